using System.Net;
using EdgeCache.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace EdgeCache.Tests.Integration;

/// <summary>
/// RFC 9111 3 through EdgeCache: an origin's error answer with explicit freshness is stored and
/// reused like any other (the origin asked once per lifetime), its status and body kept; never in
/// place of a good copy that may stand in, and never reused once stale.
/// </summary>
public sealed class StoredErrorAnswerTests : IAsyncLifetime
{
    private readonly HostClock _clock = new();
    private TestOrigin _origin = null!;
    private volatile int _status = StatusCodes.Status503ServiceUnavailable;
    private volatile string _cacheControl = "max-age=30";

    public async Task InitializeAsync()
    {
        _origin = await TestOrigin.StartAsync();
        _origin.Clock = _clock;
        _origin.Respond(context =>
        {
            context.Response.StatusCode = _status;
            return _origin.Answer(context, $"origin says {_status}", ("Cache-Control", _cacheControl), ("Content-Type", "text/plain"));
        });
    }

    public async Task DisposeAsync() => await _origin.DisposeAsync();

    private static async Task<(HttpStatusCode Status, string Body, string CacheStatus)> Get(TestProxy proxy, string path, string accept = "*/*")
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation("Accept", accept);
        using var response = await proxy.Client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), string.Join(", ", response.Headers.GetValues("Cache-Status")));
    }

    [Theory]
    [InlineData(StatusCodes.Status500InternalServerError)]
    [InlineData(StatusCodes.Status502BadGateway)]
    [InlineData(StatusCodes.Status503ServiceUnavailable)]
    [InlineData(StatusCodes.Status504GatewayTimeout)]
    public async Task ErrorWithMaxAge_StoredAndReusedWithItsStatusAndBody(int status)
    {
        _status = status;
        await using var proxy = await TestProxy.StartAsync(_origin.Address, clock: _clock);

        var first = await Get(proxy, "/incident");
        var second = await Get(proxy, "/incident");

        Assert.Equal((HttpStatusCode)status, first.Status);
        Assert.Equal($"origin says {status}", first.Body);
        Assert.Contains("stored", first.CacheStatus);
        Assert.Equal((HttpStatusCode)status, second.Status);
        Assert.Equal($"origin says {status}", second.Body);
        Assert.StartsWith("EdgeCache; hit", second.CacheStatus);
        Assert.Equal(1, _origin.CountFor("/incident"));
    }

    [Fact]
    public async Task StoredError_HtmlReader_GetsTheBrandedPageWithItsStatus_WithoutAskingTheOrigin()
    {
        await using var proxy = await TestProxy.StartAsync(_origin.Address, clock: _clock);
        await Get(proxy, "/branded");

        var html = await Get(proxy, "/branded", "text/html");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, html.Status);
        Assert.DoesNotContain("origin says", html.Body);
        Assert.Contains("<html", html.Body, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(1, _origin.CountFor("/branded"));
    }

    [Fact]
    public async Task ErrorWithoutExplicitFreshness_NeverStored()
    {
        _cacheControl = "";
        await using var proxy = await TestProxy.StartAsync(_origin.Address, clock: _clock);

        await Get(proxy, "/plain-error");
        var second = await Get(proxy, "/plain-error");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, second.Status);
        Assert.Equal(2, _origin.CountFor("/plain-error"));
    }

    [Fact]
    public async Task GoodCopyThatMayStandIn_ServedAndNeverReplacedByTheError()
    {
        _status = StatusCodes.Status200OK;
        _cacheControl = "max-age=10, stale-if-error=3600";
        await using var proxy = await TestProxy.StartAsync(_origin.Address, clock: _clock);
        await Get(proxy, "/good");
        _clock.Advance(TimeSpan.FromSeconds(60));
        _status = StatusCodes.Status500InternalServerError;
        _cacheControl = "max-age=600";

        var during = await Get(proxy, "/good");
        _clock.Advance(TimeSpan.FromSeconds(61)); // past any backoff
        var later = await Get(proxy, "/good");

        Assert.Equal(HttpStatusCode.OK, during.Status);
        Assert.Equal("origin says 200", during.Body);
        Assert.Equal(HttpStatusCode.OK, later.Status);
        Assert.Equal("origin says 200", later.Body);
    }

    [Fact]
    public async Task StoredError_OnceStale_NotReused_TheOriginsRecoveryReplacesIt()
    {
        await using var proxy = await TestProxy.StartAsync(_origin.Address, clock: _clock);
        await Get(proxy, "/recovers");
        _clock.Advance(TimeSpan.FromSeconds(31));
        _status = StatusCodes.Status200OK;
        _cacheControl = "max-age=600";

        var after = await Get(proxy, "/recovers");

        Assert.Equal(HttpStatusCode.OK, after.Status);
        Assert.Equal("origin says 200", after.Body);
        Assert.Equal(2, _origin.CountFor("/recovers"));
    }
}
