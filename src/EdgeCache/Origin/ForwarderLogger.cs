using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;

namespace EdgeCache.Origin;

/// <summary>
/// YARP's forwarder logger, less one event: YARP logs every forwarding error as a warning with its
/// stack trace (~8.7 KB for one malformed chunked body), a client's unreadable request body
/// included. That one is the client's error and <see cref="Caching.Pipeline.ForwardStep"/> logs it
/// in one line (event 1011); every other forwarding error is YARP's warning as before.
/// </summary>
internal sealed class ForwarderLogger<T>(ILoggerFactory factory) : ILogger<T>
{
    private readonly ILogger _inner = factory.CreateLogger<T>();

    /// <summary>Gives YARP's forwarder this logger; nothing when YARP renamed its forwarder (then it logs as it always did).</summary>
    public static void Register(IServiceCollection services)
    {
        if (typeof(IHttpForwarder).Assembly.GetType("Yarp.ReverseProxy.Forwarder.HttpForwarder") is { } forwarder)
        {
            services.AddSingleton(typeof(ILogger<>).MakeGenericType(forwarder), typeof(ForwarderLogger<>).MakeGenericType(forwarder));
        }
    }

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => _inner.BeginScope(state);

    public bool IsEnabled(LogLevel logLevel) => _inner.IsEnabled(logLevel);

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (exception is not null && eventId.Name == "ForwardingError" && ClientBodyError(exception) is not null)
        {
            return;
        }
        _inner.Log(logLevel, eventId, state, exception, formatter);
    }

    /// <summary>Kestrel's refusal of what the client sent, anywhere inside <paramref name="exception"/>; null when there is none.</summary>
    internal static Microsoft.AspNetCore.Http.BadHttpRequestException? ClientBodyError(Exception? exception) => exception switch
    {
        Microsoft.AspNetCore.Http.BadHttpRequestException bad => bad,
        AggregateException aggregate => aggregate.InnerExceptions.Select(ClientBodyError).FirstOrDefault(e => e is not null),
        { InnerException: { } inner } => ClientBodyError(inner),
        _ => null,
    };
}
