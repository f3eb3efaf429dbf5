using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace EdgeCache.Tests.Infrastructure;

/// <summary>Keeps every log event written through it, for tests that assert what an operator would read.</summary>
internal sealed class LogCapture : ILoggerProvider
{
    private readonly ConcurrentQueue<Entry> _entries = new();
    private TaskCompletionSource _logged = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public sealed record Entry(string Category, LogLevel Level, EventId EventId, string Message, Exception? Exception);

    public IReadOnlyCollection<Entry> Entries => _entries;

    /// <summary>The messages of the events with <paramref name="eventId"/>.</summary>
    public IReadOnlyList<string> Messages(int eventId) => _entries.Where(e => e.EventId.Id == eventId).Select(e => e.Message).ToList();

    /// <summary>Waits for an event with <paramref name="eventId"/> whose message satisfies <paramref name="match"/> (any, when null).</summary>
    public async Task<Entry> WaitForAsync(int eventId, Func<string, bool>? match = null, TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var next = Volatile.Read(ref _logged).Task;
            if (_entries.FirstOrDefault(e => e.EventId.Id == eventId && (match is null || match(e.Message))) is { } entry)
            {
                return entry;
            }
            await next.WaitAsync(deadline.Token);
        }
    }

    public ILogger<T> CreateLogger<T>() => new Logger<T>(new LoggerFactory([this]));

    public ILogger CreateLogger(string categoryName) => new CapturingLogger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class CapturingLogger(LogCapture capture, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            capture._entries.Enqueue(new Entry(category, logLevel, eventId, formatter(state, exception), exception));
            Interlocked.Exchange(ref capture._logged, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }
    }
}
