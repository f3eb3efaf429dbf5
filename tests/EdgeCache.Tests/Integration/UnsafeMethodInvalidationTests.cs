using System.Net;
using EdgeCache.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace EdgeCache.Tests.Integration;

/// <summary>
/// RFC 9111 4.4 through EdgeCache: a successful unsafe request makes the stored copies of its
/// target (every variant), and of its same-host <c>Location</c> and <c>Content-Location</c>, go
/// back to the origin on the next read; a failed one, a safe method, or another host's URL leaves
/// them alone.
/// </summary>
public sealed class UnsafeMethodInvalidationTests : IAsyncLifetime
{
    private TestOrigin _origin = null!;
    private TestProxy _proxy = null!;
    private volatile int _edition = 1;
    private volatile int _unsafeStatus = StatusCodes.Status200OK;
    private volatile string? _location;

    public async Task InitializeAsync()
    {
        _origin = await TestOrigin.StartAsync();
        _origin.Respond(context =>
        {
            if (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method))
            {
                context.Response.Headers.Vary = "Accept-Language";
                return _origin.Answer(context, $"v{_edition} {context.Request.Path} {context.Request.Headers.AcceptLanguage}",
                    ("Cache-Control", "public, max-age=600, stale-while-revalidate=600"));
            }
            context.Response.StatusCode = _unsafeStatus;
            if (_location is { } location)
            {
                context.Response.Headers.Location = location;
                context.Response.Headers.ContentLocation = location.Replace("/a", "/b", StringComparison.Ordinal);
            }
            return _origin.Answer(context, "done");
        });
        _proxy = await TestProxy.StartAsync(_origin.Address);
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _origin.DisposeAsync();
    }

    private async Task<(string Body, string CacheStatus)> Get(string path, string language = "en")
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("Accept-Language", language);
        using var response = await _proxy.Client.SendAsync(request);
        return (await response.Content.ReadAsStringAsync(), string.Join(", ", response.Headers.GetValues("Cache-Status")));
    }

    private async Task<HttpStatusCode> Send(string method, string path)
    {
        using var response = await _proxy.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = new StringContent("x") });
        return response.StatusCode;
    }

    [Theory]
    [InlineData("POST")]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    [InlineData("PATCH")]
    [InlineData("REPORTX")] // a method EdgeCache does not know is not known to be safe
    public async Task SuccessfulUnsafeRequest_NextReadOfEveryVariantGoesToTheOrigin(string method)
    {
        await Get("/article", "en");
        await Get("/article", "fr");
        Assert.StartsWith("EdgeCache; hit", (await Get("/article", "fr")).CacheStatus);
        _edition = 2;

        Assert.Equal(HttpStatusCode.OK, await Send(method, "/article"));

        // stale-while-revalidate=600 would hand a merely stale copy out at once: invalidated
        // copies are not reused without the origin (RFC 9111 4.4), so both readers get edition 2.
        Assert.Equal("v2 /article en", (await Get("/article", "en")).Body);
        Assert.Equal("v2 /article fr", (await Get("/article", "fr")).Body);
        Assert.StartsWith("EdgeCache; hit", (await Get("/article", "fr")).CacheStatus);
    }

    [Theory]
    [InlineData(StatusCodes.Status403Forbidden)]
    [InlineData(StatusCodes.Status404NotFound)]
    [InlineData(StatusCodes.Status500InternalServerError)]
    public async Task FailedUnsafeRequest_InvalidatesNothing(int status)
    {
        await Get("/kept");
        _edition = 2;
        _unsafeStatus = status;

        Assert.Equal((HttpStatusCode)status, await Send("POST", "/kept"));

        var after = await Get("/kept");
        Assert.Equal("v1 /kept en", after.Body);
        Assert.StartsWith("EdgeCache; hit", after.CacheStatus);
    }

    [Theory]
    [InlineData("OPTIONS")]
    [InlineData("TRACE")]
    public async Task SafeMethod_InvalidatesNothing(string method)
    {
        await Get("/safe");
        _edition = 2;

        await Send(method, "/safe");

        Assert.Equal("v1 /safe en", (await Get("/safe")).Body);
    }

    [Fact]
    public async Task Created_LocationAndContentLocationOnTheSameHost_Invalidated()
    {
        await Get("/news/a");
        await Get("/news/b");
        await Get("/news/c");
        _edition = 2;
        _location = $"http://{TestProxy.PublicHost}/news/a"; // Content-Location: /news/b

        Assert.Equal(HttpStatusCode.Created, await SendCreated("/news/"));

        Assert.Equal("v2 /news/a en", (await Get("/news/a")).Body);
        Assert.Equal("v2 /news/b en", (await Get("/news/b")).Body);
        Assert.Equal("v1 /news/c en", (await Get("/news/c")).Body); // named by neither
        var metrics = await _proxy.Management.GetStringAsync("/metrics");
        Assert.Contains("\nedgecache_invalidations_total 3\n", metrics); // /news/, /news/a, /news/b
    }

    [Fact]
    public async Task RelativeLocation_ResolvedAgainstTheTarget()
    {
        await Get("/news/a");
        _edition = 2;
        _location = "a"; // relative to /news/post

        Assert.Equal(HttpStatusCode.OK, await Send("POST", "/news/post"));

        Assert.Equal("v2 /news/a en", (await Get("/news/a")).Body);
    }

    [Fact]
    public async Task LocationOnAnotherHost_NotInvalidated()
    {
        await Get("/news/a");
        _edition = 2;
        _location = "http://attacker.example/news/a";

        Assert.Equal(HttpStatusCode.OK, await Send("POST", "/elsewhere"));

        // Same path, other host: a client must not be able to invalidate this site from another one.
        Assert.Equal("v1 /news/a en", (await Get("/news/a")).Body);
    }

    [Fact]
    public async Task Invalidated_ThenOriginDown_CopyStillStandsInForTheFailure()
    {
        await Get("/grace");
        Assert.Equal(HttpStatusCode.OK, await Send("DELETE", "/grace"));
        await _origin.StopAsync();

        var (body, status) = await Get("/grace");

        // Marked stale, not deleted: degraded mode keeps its last good copy (within stale-if-error).
        Assert.Equal("v1 /grace en", body);
        Assert.Contains("fwd=stale", status);
    }

    private async Task<HttpStatusCode> SendCreated(string path)
    {
        _unsafeStatus = StatusCodes.Status201Created;
        return await Send("POST", path);
    }
}
