using System.Text;
using EdgeCache.AccessLog;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeCache.Tests.Infrastructure;

/// <summary>The access log's output as a test reads it: every line written, and a way to wait for one.</summary>
internal sealed class AccessLogCapture : Stream
{
    private readonly Lock _lock = new();
    private readonly MemoryStream _bytes = new();
    private readonly SemaphoreSlim _written = new(0);
    private readonly List<byte[]> _writes = [];

    /// <summary>Each write as it arrived.</summary>
    public IReadOnlyList<byte[]> Writes
    {
        get
        {
            lock (_lock)
            {
                return [.. _writes];
            }
        }
    }

    /// <summary>Sends EdgeCache's access log here instead of standard output.</summary>
    public void Register(IServiceCollection services) => services.AddSingleton(new AccessLogOutput(() => this));

    /// <summary>Every complete line so far, without its newline.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lock)
            {
                var text = Encoding.UTF8.GetString(_bytes.GetBuffer(), 0, (int)_bytes.Length);
                var lines = text.Split('\n');
                return lines[..^1]; // the part after the last newline is not a line yet
            }
        }
    }

    /// <summary>The raw bytes written so far.</summary>
    public byte[] Bytes
    {
        get
        {
            lock (_lock)
            {
                return _bytes.ToArray();
            }
        }
    }

    /// <summary>Waits (at most 20 s) until a line satisfies <paramref name="match"/>; returns every line by then.</summary>
    public async Task<IReadOnlyList<string>> WaitForAsync(Func<string, bool> match, string what)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (true)
        {
            var lines = Lines;
            if (lines.Any(match))
            {
                return lines;
            }
            try
            {
                await _written.WaitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"no access log line {what} within 20 s; lines: {string.Join(" | ", lines)}");
            }
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        lock (_lock)
        {
            _bytes.Write(buffer);
            _writes.Add(buffer.ToArray());
        }
        _written.Release();
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Write(buffer.AsSpan(offset, count));
        return Task.CompletedTask;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    // The writer disposes its stream when EdgeCache stops: the lines stay readable.
    protected override void Dispose(bool disposing)
    {
    }
}
