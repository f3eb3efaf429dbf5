using EdgeCache.Caching.Entries;
using Microsoft.AspNetCore.Http;

namespace EdgeCache.Origin;

/// <summary>
/// The response body of a synthetic fetch context: captures the body up to the maximum object
/// size. A fetch never writes to a reader's own response, so a reader can always be answered
/// (stale copy, error page) while it runs.
/// <code>
/// 1. Capture: a declared Content-Length up to <see cref="PreallocateUpTo"/> goes straight into
///    the entry's body; anything else into chunks of <see cref="ChunkSize"/> from the shared,
///    bounded <see cref="CapturePool"/>, copied once into the body at the end and returned. A
///    growing pinned buffer per fetch fragmented the pinned heap for good (issue 15: 64 concurrent
///    12 MB downloads left 400 MB resident).
/// 2. Past the maximum object size (declared, or when the next write would overflow), or the
///    pool's budget spent: the chunks stay, <see cref="Overflowed"/> completes, and the write waits, mid-body, for the fetch's
///    reader (<see cref="PassThrough"/>).
/// 3. The reader takes it: the captured prefix is written to the reader's body, the chunks are
///    returned, and every later write goes straight through: the reader gets the same origin
///    response, no second request. Or nobody takes it: the chunks are returned and the fetch ends.
/// </code>
/// </summary>
internal sealed class CaptureStream : Stream
{
    /// <summary>Capture chunk: pooled, and below the 85,000 bytes that would put it on the large object heap.</summary>
    internal const int ChunkSize = 64 * 1024;

    /// <summary>A declared length up to this is allocated as the entry's body at once (no copy).</summary>
    internal const int PreallocateUpTo = 256 * 1024;

    private readonly HttpContext _fetch;
    private readonly long _maxBytes;
    private readonly List<byte[]> _chunks = [];
    private readonly TaskCompletionSource _overflowed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<Stream?> _sink = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private byte[]? _exact;
    private int _length;
    private bool _started;
    private Stream? _passThrough;
    private CancellationToken _readerAborted;

    public CaptureStream(HttpContext fetch, long maxBytes)
    {
        _fetch = fetch;
        _maxBytes = maxBytes;
    }

    /// <summary>The response is too large to store.</summary>
    public bool TooLarge { get; private set; }

    /// <summary>Completes when the response turned out too large to store; the origin's response then waits for <see cref="StreamTo"/> or <see cref="Abandon"/>.</summary>
    public Task Overflowed => _overflowed.Task;

    /// <summary>Bytes held now (pooled chunks or the preallocated body): bounded by the maximum object size, 0 once released.</summary>
    internal long BufferedBytes => _exact?.Length ?? (long)_chunks.Count * ChunkSize;

    /// <summary>The captured body, in one array of its exact length; the chunks go back to the pool.</summary>
    public ReadOnlyMemory<byte> TakeCaptured()
    {
        if (_exact is { } exact && _chunks.Count == 0)
        {
            _exact = null;
            return exact.Length == _length ? exact : exact.AsMemory(0, _length);
        }
        var body = CacheEntry.AllocateBody(_length);
        var copied = 0;
        foreach (var chunk in _chunks)
        {
            var n = Math.Min(ChunkSize, _length - copied);
            chunk.AsSpan(0, n).CopyTo(body.AsSpan(copied));
            copied += n;
        }
        Release();
        return body;
    }

    /// <summary>Returns the chunks to the pool (a failed fetch).</summary>
    public void Release()
    {
        foreach (var chunk in _chunks)
        {
            CapturePool.Return(chunk);
        }
        _chunks.Clear();
        _exact = null;
        _length = 0;
    }

    /// <summary>Step 3: the rest of the response goes to <paramref name="body"/>, the captured prefix first.</summary>
    public void StreamTo(Stream body, CancellationToken readerAborted)
    {
        _readerAborted = readerAborted;
        _sink.TrySetResult(body);
    }

    /// <summary>Step 3: nobody takes the response: the fetch ends.</summary>
    public void Abandon() => _sink.TrySetResult(null);

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => _length;
    public override long Position { get => _length; set => throw new NotSupportedException(); }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_passThrough is { } passThrough)
        {
            return passThrough.WriteAsync(buffer, _readerAborted);
        }
        if (!_started)
        {
            _started = true;
            var declared = _fetch.Response.ContentLength;
            if (declared > _maxBytes)
            {
                return OverflowAsync(buffer, cancellationToken);
            }
            if (declared is > 0 and <= PreallocateUpTo)
            {
                _exact = CacheEntry.AllocateBody((int)declared.Value);
            }
        }
        if ((long)_length + buffer.Length > _maxBytes || !Reserve(buffer.Length))
        {
            return OverflowAsync(buffer, cancellationToken);
        }
        Append(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) =>
        WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task FlushAsync(CancellationToken cancellationToken) =>
        _passThrough is { } passThrough ? passThrough.FlushAsync(_readerAborted) : Task.CompletedTask;

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        _sink.TrySetResult(null);
        base.Dispose(disposing);
    }

    /// <summary>Rents the chunks <paramref name="count"/> more bytes need (none into the preallocated body); false when the shared budget is spent.</summary>
    private bool Reserve(int count)
    {
        if (_exact is { } exact && _length + count <= exact.Length)
        {
            return true;
        }
        // Preallocated body too small (more than declared): its bytes move into chunks too.
        var needed = (int)(((long)_length + count + ChunkSize - 1) / ChunkSize) - _chunks.Count;
        for (var i = 0; i < needed; i++)
        {
            if (CapturePool.TryRent(_maxBytes) is not { } chunk)
            {
                return false;
            }
            _chunks.Add(chunk);
        }
        return true;
    }

    private void Append(ReadOnlySpan<byte> data)
    {
        if (_exact is { } exact)
        {
            if (_length + data.Length <= exact.Length)
            {
                data.CopyTo(exact.AsSpan(_length));
                _length += data.Length;
                return;
            }
            // More than declared: go on in chunks (reserved for both).
            _exact = null;
            var held = _length;
            _length = 0;
            Append(exact.AsSpan(0, held));
        }
        while (!data.IsEmpty)
        {
            var offset = _length % ChunkSize;
            var n = Math.Min(ChunkSize - offset, data.Length);
            data[..n].CopyTo(_chunks[_length / ChunkSize].AsSpan(offset));
            _length += n;
            data = data[n..];
        }
    }

    // Steps 2 and 3.
    private async ValueTask OverflowAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken)
    {
        TooLarge = true;
        _overflowed.TrySetResult();
        // The forwarder's token ends the wait at its activity timeout, should nobody ever decide.
        var sink = await _sink.Task.WaitAsync(cancellationToken);
        try
        {
            if (sink is null)
            {
                throw new ObjectTooLargeException();
            }
            var written = 0;
            if (_exact is { } exact)
            {
                await sink.WriteAsync(exact.AsMemory(0, _length), _readerAborted);
            }
            else
            {
                foreach (var chunk in _chunks)
                {
                    var n = Math.Min(ChunkSize, _length - written);
                    await sink.WriteAsync(chunk.AsMemory(0, n), _readerAborted);
                    written += n;
                }
            }
        }
        finally
        {
            Release();
        }
        _passThrough = sink;
        await sink.WriteAsync(buffer, _readerAborted);
    }

    /// <summary>Ends the fetch of a response too large to store that no reader took.</summary>
    internal sealed class ObjectTooLargeException() : IOException("The response exceeds the maximum object size.");
}
