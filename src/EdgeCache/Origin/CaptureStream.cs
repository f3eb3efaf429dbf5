using System.Buffers;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace EdgeCache.Origin;

/// <summary>
/// The response body of a synthetic fetch context. Captures the body up to the maximum object
/// size; past it (decided from Content-Length when the origin sends one, else when the buffer
/// would overflow) it switches to streaming: the reader gets the status, headers, what was
/// buffered, then every further write, so memory stays bounded. With no reader to stream to,
/// the fetch is abandoned.
/// </summary>
internal sealed class CaptureStream : Stream
{
    private readonly HttpContext _fetch;
    private readonly HttpContext? _reader;
    private readonly long _maxBytes;
    private readonly string _cacheStatus;
    private byte[] _buffer = [];
    private int _length;
    private bool _started;

    public CaptureStream(HttpContext fetch, HttpContext? reader, long maxBytes, string cacheStatus)
    {
        _fetch = fetch;
        _reader = reader;
        _maxBytes = maxBytes;
        _cacheStatus = cacheStatus;
    }

    /// <summary>The response was too large to store.</summary>
    public bool TooLarge { get; private set; }

    /// <summary>The response went to the reader as a stream.</summary>
    public bool Streaming { get; private set; }

    public ReadOnlyMemory<byte> Captured
    {
        get
        {
            // Drop a large unused tail (bodies without Content-Length grow by doubling).
            if (_buffer.Length - _length > _length / 4 + 4096)
            {
                _buffer = _buffer.AsSpan(0, _length).ToArray();
            }
            return new ReadOnlyMemory<byte>(_buffer, 0, _length);
        }
    }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => _length;
    public override long Position { get => _length; set => throw new NotSupportedException(); }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (!_started)
        {
            _started = true;
            var declared = _fetch.Response.ContentLength;
            if (declared > _maxBytes)
            {
                await SwitchToReaderAsync(cancellationToken);
            }
            else if (declared is > 0)
            {
                _buffer = new byte[declared.Value];
            }
        }
        if (Streaming)
        {
            await _reader!.Response.Body.WriteAsync(buffer, cancellationToken);
            return;
        }
        if ((long)_length + buffer.Length > _maxBytes)
        {
            await SwitchToReaderAsync(cancellationToken);
            await _reader!.Response.Body.WriteAsync(buffer, cancellationToken);
            return;
        }
        EnsureCapacity(_length + buffer.Length);
        buffer.Span.CopyTo(_buffer.AsSpan(_length));
        _length += buffer.Length;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) =>
        WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task FlushAsync(CancellationToken cancellationToken) =>
        Streaming ? _reader!.Response.Body.FlushAsync(cancellationToken) : Task.CompletedTask;

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    private async Task SwitchToReaderAsync(CancellationToken cancellationToken)
    {
        TooLarge = true;
        if (_reader is null || _reader.Response.HasStarted)
        {
            throw new ObjectTooLargeException();
        }
        var response = _reader.Response;
        response.StatusCode = _fetch.Response.StatusCode;
        foreach (var header in _fetch.Response.Headers)
        {
            response.Headers[header.Key] = header.Value;
        }
        response.Headers.Append("Cache-Status", _cacheStatus);
        await response.StartAsync(cancellationToken);
        if (_length > 0)
        {
            await response.Body.WriteAsync(_buffer.AsMemory(0, _length), cancellationToken);
        }
        _buffer = [];
        _length = 0;
        Streaming = true;
    }

    private void EnsureCapacity(int needed)
    {
        if (needed <= _buffer.Length)
        {
            return;
        }
        var size = Math.Max(needed, Math.Max(16 * 1024, _buffer.Length * 2));
        size = (int)Math.Min(size, Math.Max(needed, _maxBytes));
        Array.Resize(ref _buffer, size);
    }

    /// <summary>Aborts a fetch that has nobody to stream to.</summary>
    internal sealed class ObjectTooLargeException() : IOException("The response exceeds the maximum object size.");
}
