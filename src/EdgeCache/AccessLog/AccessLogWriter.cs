using System.Text;
using System.Threading.Channels;
using EdgeCache.Diagnostics;
using Microsoft.Extensions.Logging;

namespace EdgeCache.AccessLog;

/// <summary>
/// Writes access log lines to their output from one background loop, as nginx's buffered
/// <c>access_log</c> does (<c>buffer=... flush=...</c>): a request only queues its line (never waits
/// on a slow pipe or a full disk), and while lines keep coming the loop writes what has queued once
/// every <see cref="FlushInterval"/>: one wake-up and one write per interval, not per request
/// (measured: waking the loop for every line cost 40% of the hit throughput). A line reaches
/// the output at most about that long after its request. A full queue (16,384 lines, or 16 MB of them) drops the line
/// and counts it; the count is logged (event 1013) once the loop catches up. The loop starts with
/// the first line, so a node that never logs has none. Stopping writes what is queued first.
/// </summary>
internal sealed partial class AccessLogWriter(AccessLogOutput output, TimeProvider time, ILogger<AccessLogWriter> logger) : IAsyncDisposable
{
    internal const int QueueLength = 16_384;

    /// <summary>
    /// The queue's size in characters (16 MB): a line can be 100 times the usual one (a long path
    /// and headers, escaped), so a line count alone let a blocked output hold gigabytes.
    /// </summary>
    internal const int MaxQueuedChars = 8 * 1024 * 1024;
    internal static readonly TimeSpan FlushInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>PIPE_BUF on Linux: the largest write a pipe never interleaves with another writer's.</summary>
    internal const int AtomicWrite = 4096;

    private readonly byte[] _buffer = new byte[AtomicWrite];

    private readonly Channel<string> _queue = Channel.CreateBounded<string>(new BoundedChannelOptions(QueueLength)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait, // TryWrite says false when full, so a drop is counted
    });
    private readonly Lock _startLock = new();
    private Task? _loop;
    private long _dropped;
    private long _queuedChars;

    public void Write(string line)
    {
        if (_loop is null)
        {
            Start();
        }
        if (Interlocked.Add(ref _queuedChars, line.Length) > MaxQueuedChars)
        {
            Interlocked.Add(ref _queuedChars, -line.Length);
            Interlocked.Increment(ref _dropped);
        }
        else if (!_queue.Writer.TryWrite(line))
        {
            Interlocked.Add(ref _queuedChars, -line.Length);
            Interlocked.Increment(ref _dropped);
        }
    }

    private void Start()
    {
        lock (_startLock)
        {
            _loop ??= Task.Run(WriteLoopAsync);
        }
    }

    private async Task WriteLoopAsync()
    {
        await using var stream = output.Open();
        var failed = false;
        while (await _queue.Reader.WaitToReadAsync())
        {
            // Lines arrived after a quiet spell: written at once, then once per interval while more come.
            do
            {
                failed = await WriteQueuedAsync(stream, failed);
                if (_queue.Reader.Completion.IsCompleted)
                {
                    break;
                }
                await Task.Delay(FlushInterval, time);
            }
            while (_queue.Reader.TryPeek(out _));
        }
    }

    /// <summary>
    /// What is queued, in writes of whole lines of at most <see cref="AtomicWrite"/> bytes: a pipe
    /// takes a write that size whole, so a line is never cut by another writer on the same output
    /// (EdgeCache's own console log, by default). Lines are ASCII (the formatter escapes the rest).
    /// </summary>
    /// <returns>Whether the output is failing (said once per failure streak).</returns>
    private async Task<bool> WriteQueuedAsync(Stream stream, bool failed)
    {
        try
        {
            var buffered = 0;
            while (_queue.Reader.TryRead(out var line))
            {
                Interlocked.Add(ref _queuedChars, -line.Length);
                var length = Encoding.UTF8.GetByteCount(line) + 1;
                if (buffered + length > _buffer.Length && buffered > 0)
                {
                    await stream.WriteAsync(_buffer.AsMemory(0, buffered));
                    buffered = 0;
                }
                if (length > _buffer.Length)
                {
                    await stream.WriteAsync(Encoding.UTF8.GetBytes(line + "\n")); // longer than a pipe writes whole: alone
                    continue;
                }
                buffered += Encoding.UTF8.GetBytes(line, _buffer.AsSpan(buffered));
                _buffer[buffered++] = (byte)'\n';
            }
            if (buffered > 0)
            {
                await stream.WriteAsync(_buffer.AsMemory(0, buffered));
            }
            await stream.FlushAsync();
            failed = false;
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            // A closed or broken output: lines are lost, requests go on.
            if (!failed)
            {
                LogOutputFailed(logger, ex.Message);
                failed = true;
            }
        }
        if (Interlocked.Exchange(ref _dropped, 0) is > 0 and var dropped)
        {
            LogDropped(logger, dropped);
        }
        return failed;
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        if (_loop is { } loop)
        {
            await loop.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    [LoggerMessage(EventId = EventIds.AccessLogDropped, EventName = nameof(EventIds.AccessLogDropped), Level = LogLevel.Warning,
        Message = "The access log fell behind its output: {Count} lines were dropped")]
    private static partial void LogDropped(ILogger logger, long count);

    [LoggerMessage(EventId = EventIds.AccessLogOutputFailed, EventName = nameof(EventIds.AccessLogOutputFailed), Level = LogLevel.Warning,
        Message = "The access log could not be written ({Reason}); its lines are dropped until the output takes them again")]
    private static partial void LogOutputFailed(ILogger logger, string reason);
}
