using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace EdgeCache.Demo;

/// <summary>
/// A small origin for newcomers (<c>--demo-origin</c>): a news site whose pages carry ordinary
/// caching headers, plus a switch that simulates an outage, so caching and degraded mode can be
/// seen without a site of one's own.
/// </summary>
internal sealed class DemoOrigin : IAsyncDisposable
{
    public const string DefaultUrl = "http://127.0.0.1:9100";

    private readonly WebApplication _app;
    private readonly DateTimeOffset _published = DateTimeOffset.UtcNow.AddHours(-1);
    private volatile bool _outage;

    public DemoOrigin(string url)
    {
        Url = url;
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.WebHost.UseUrls(url);
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.Use(async (context, next) =>
        {
            if (_outage && !context.Request.Path.StartsWithSegments("/_demo"))
            {
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                await context.Response.WriteAsync("origin outage (simulated)\n");
                return;
            }
            await next(context);
        });
        _app.MapGet("/", () => Page("EdgeCache demo", Index(), "public, max-age=10, stale-while-revalidate=30, stale-if-error=86400"));
        _app.MapGet("/articles/{id:int}", (int id) => Page($"Article {id}", Article(id), "public, max-age=30, stale-while-revalidate=30, stale-if-error=86400"));
        _app.MapGet("/api/time", () => Text($"{{\"time\":\"{DateTimeOffset.UtcNow:O}\"}}", "application/json", "public, max-age=5"));
        _app.MapGet("/account", () => Text("your private account page\n", "text/plain", "private, no-store"));
        _app.MapGet("/health", () => Text("ok\n", "text/plain", "no-store"));
        _app.MapGet("/_demo/outage", (bool on) =>
        {
            _outage = on;
            return Text(on ? "outage started: the origin now answers 503\n" : "outage over: the origin is back\n", "text/plain", "no-store");
        });
    }

    public string Url { get; }

    public Task StartAsync(CancellationToken cancellationToken) => _app.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => _app.StopAsync(cancellationToken);

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    private IResult Page(string title, string body, string cacheControl)
    {
        var html = $$"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{{title}}</title>
            <style>body{font:18px/1.6 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#222}a{color:#0b5fff}</style>
            </head><body><h1>{{title}}</h1>{{body}}
            <p><small>Rendered by the origin at {{DateTimeOffset.UtcNow:HH:mm:ss}} UTC.</small></p></body></html>
            """;
        return Text(html, "text/html; charset=utf-8", cacheControl);
    }

    private static string Index()
    {
        var sb = new StringBuilder("<p>Pages cached by EdgeCache. Look at the <code>Cache-Status</code> and <code>Age</code> headers.</p><ul>");
        for (var i = 1; i <= 5; i++)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<li><a href=\"/articles/{i}\">Article {i}</a></li>");
        }
        sb.Append("</ul><p>Simulate an outage with <code>curl http://127.0.0.1:9100/_demo/outage?on=true</code> (on the origin itself: ")
          .Append("once EdgeCache sees the origin down it stops contacting it), end it with <code>?on=false</code>.</p>");
        return sb.ToString();
    }

    private static string Article(int id) =>
        $"<p>This is article {id}. It is fresh for 30 seconds, may be served stale for 30 more while it is refreshed, and for a day if the origin fails.</p><p><a href=\"/\">Home</a></p>";

    private IResult Text(string content, string contentType, string cacheControl)
    {
        var bytes = Encoding.UTF8.GetBytes(content);
        var etag = "\"" + Convert.ToHexStringLower(SHA256.HashData(bytes))[..16] + "\"";
        return new DemoResult(bytes, contentType, cacheControl, etag, _published);
    }

    private sealed class DemoResult(byte[] body, string contentType, string cacheControl, string etag, DateTimeOffset lastModified) : IResult
    {
        public Task ExecuteAsync(HttpContext context)
        {
            var response = context.Response;
            response.Headers.CacheControl = cacheControl;
            response.Headers.ETag = etag;
            response.Headers.LastModified = lastModified.ToString("r", CultureInfo.InvariantCulture);
            if (context.Request.Headers.IfNoneMatch == etag)
            {
                response.StatusCode = StatusCodes.Status304NotModified;
                return Task.CompletedTask;
            }
            response.ContentType = contentType;
            response.ContentLength = body.Length;
            return response.Body.WriteAsync(body).AsTask();
        }
    }
}
