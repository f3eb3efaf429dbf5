using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace EdgeCache.Tests.Infrastructure;

/// <summary>
/// A real origin on a loopback port whose behaviour a test sets per request, counting what it
/// receives. Kestrel on port 0, so parallel runs never collide.
/// </summary>
internal sealed class TestOrigin : IAsyncDisposable
{
    private WebApplication _app = null!;
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private volatile Func<HttpContext, Task> _handler = context => context.Response.WriteAsync("default");
    private volatile Func<HttpContext, Task> _health = context => context.Response.WriteAsync("ok");
    private int _probes;
    private int _port;

    /// <summary>The path EdgeCache's health probes use in tests (<c>--health-path</c>).</summary>
    public const string HealthPath = "/health";

    public int ProbeCount => Volatile.Read(ref _probes);

    private TestOrigin()
    {
    }

    private static WebApplication Build(TestOrigin origin, int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.Run(origin.HandleAsync);
        return app;
    }

    private async Task HandleAsync(HttpContext context)
    {
        if (context.Request.Path == HealthPath)
        {
            // EdgeCache's active probes: answered by their own handler, not counted.
            Interlocked.Increment(ref _probes);
            await _health(context);
            return;
        }
        _requests.Enqueue(new RecordedRequest(context.Request.Method, context.Request.Path + context.Request.QueryString,
            context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
            context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()?.RawTarget ?? ""));
        await _handler(context);
    }

    public Uri Address => new($"http://127.0.0.1:{_port}/");

    public IReadOnlyCollection<RecordedRequest> Requests => _requests;

    public int RequestCount => _requests.Count;

    public int CountFor(string pathAndQuery) => _requests.Count(r => r.PathAndQuery == pathAndQuery);

    public static async Task<TestOrigin> StartAsync()
    {
        var origin = new TestOrigin();
        origin._app = Build(origin, 0);
        await origin._app.StartAsync();
        origin._port = new Uri(origin._app.Urls.First()).Port;
        return origin;
    }

    /// <summary>Stops listening: connections to the origin are refused.</summary>
    public async Task StopAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>Listens again on the same port, with the same handlers.</summary>
    public async Task RestartAsync()
    {
        _app = Build(this, _port);
        await _app.StartAsync();
    }

    /// <summary>Health probes from now on are answered by <paramref name="handler"/>.</summary>
    public void RespondToProbes(Func<HttpContext, Task> handler) => _health = handler;

    /// <summary>Every request from now on is answered by <paramref name="handler"/>.</summary>
    public void Respond(Func<HttpContext, Task> handler) => _handler = handler;

    /// <summary>A 200 with this body and these headers, answering 304 to a matching If-None-Match.</summary>
    public void RespondWith(string body, params (string Name, string Value)[] headers) => Respond(context => Answer(context, body, headers));

    /// <summary>The origin's clock, for its <c>Date</c> header; tests that move EdgeCache's clock move this one too.</summary>
    public TimeProvider Clock { get; set; } = TimeProvider.System;

    public Task Answer(HttpContext context, string body, params (string Name, string Value)[] headers)
    {
        context.Response.Headers.Date = Clock.GetUtcNow().ToString("r");
        foreach (var (name, value) in headers)
        {
            context.Response.Headers.Append(name, value);
        }
        var etag = context.Response.Headers.ETag.ToString();
        if (etag.Length > 0 && context.Request.Headers.IfNoneMatch.ToString() == etag)
        {
            context.Response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }
        return context.Response.WriteAsync(body);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _app.DisposeAsync();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <param name="RawTarget">The request target exactly as it arrived on the wire.</param>
    internal sealed record RecordedRequest(string Method, string PathAndQuery, IReadOnlyDictionary<string, string> Headers, string RawTarget);
}
