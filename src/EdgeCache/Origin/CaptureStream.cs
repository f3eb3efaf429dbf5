using EdgeCache.Caching.Entries;
using Microsoft.AspNetCore.Http;

namespace EdgeCache.Origin;

/// <summary>
/// The response body of a synthetic fetch context: captures the body up to the maximum object
/// size and abandons the fetch past it (decided from Content-Length when the origin sends one,
/// else when the buffer would overflow), so memory stays bounded. The cache then lets YARP stream
/// that response straight through to the reader, uncached. A fetch never writes to a reader's
/// own response, so a reader can always be answered (stale copy, error page) while it runs.
/// </summary>
internal sealed class CaptureStream : Stream
{
    private readonly HttpContext _fetch;
    private readonly long _maxBytes;
    private byte[] _buffer = [];
    private int _length;
    private bool _started;

    public CaptureStream(HttpContext fetch, long maxBytes)
    {
        _fetch = fetch;
        _maxBytes = maxBytes;
    }

    /// <summary>The response was too large to store; the fetch was abandoned.</summary>
    public bool TooLarge { get; private set; }

    public ReadOnlyMemory<byte> Captured
    {
        get
        {
            // Drop a large unused tail (bodies without Content-Length grow by doubling).
            if (_buffer.Length - _length > _length / 4 + 4096)
            {
                var trimmed = CacheEntry.AllocateBody(_length);
                _buffer.AsSpan(0, _length).CopyTo(trimmed);
                _buffer = trimmed;
            }
            return new ReadOnlyMemory<byte>(_buffer, 0, _length);
        }
    }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => _length;
    public override long Position { get => _length; set => throw new NotSupportedException(); }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (!_started)
        {
            _started = true;
            var declared = _fetch.Response.ContentLength;
            if (declared > _maxBytes)
            {
                return Abandon();
            }
            if (declared is > 0)
            {
                _buffer = CacheEntry.AllocateBody((int)declared.Value);
            }
        }
        if ((long)_length + buffer.Length > _maxBytes)
        {
            return Abandon();
        }
        EnsureCapacity(_length + buffer.Length);
        buffer.Span.CopyTo(_buffer.AsSpan(_length));
        _length += buffer.Length;
        return ValueTask.CompletedTask;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) =>
        WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    private ValueTask Abandon()
    {
        TooLarge = true;
        _buffer = [];
        _length = 0;
        return ValueTask.FromException(new ObjectTooLargeException());
    }

    private void EnsureCapacity(int needed)
    {
        if (needed <= _buffer.Length)
        {
            return;
        }
        var size = Math.Max(needed, Math.Max(16 * 1024, _buffer.Length * 2));
        size = (int)Math.Min(size, Math.Max(needed, _maxBytes));
        var larger = CacheEntry.AllocateBody(size);
        _buffer.AsSpan(0, _length).CopyTo(larger);
        _buffer = larger;
    }

    /// <summary>Ends the capture of a response too large to store.</summary>
    internal sealed class ObjectTooLargeException() : IOException("The response exceeds the maximum object size.");
}
