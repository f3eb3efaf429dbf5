using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace EdgeCache.Tests.Infrastructure;

/// <summary>Keeps every log event written through it, for tests that assert what an operator would read.</summary>
internal sealed class LogCapture : ILoggerProvider
{
    private readonly ConcurrentQueue<Entry> _entries = new();

    public sealed record Entry(string Category, LogLevel Level, EventId EventId, string Message, Exception? Exception);

    public IReadOnlyCollection<Entry> Entries => _entries;

    /// <summary>The messages of the events with <paramref name="eventId"/>.</summary>
    public IReadOnlyList<string> Messages(int eventId) => _entries.Where(e => e.EventId.Id == eventId).Select(e => e.Message).ToList();

    public ILogger<T> CreateLogger<T>() => new Logger<T>(new LoggerFactory([this]));

    public ILogger CreateLogger(string categoryName) => new CapturingLogger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class CapturingLogger(LogCapture capture, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            capture._entries.Enqueue(new Entry(category, logLevel, eventId, formatter(state, exception), exception));
    }
}
