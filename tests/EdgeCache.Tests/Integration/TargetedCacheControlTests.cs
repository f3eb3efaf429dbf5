using EdgeCache.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace EdgeCache.Tests.Integration;

/// <summary>
/// RFC 9213 through a real EdgeCache: a targeted field decides what EdgeCache stores and for how
/// long, while readers (browsers, caches downstream) get the origin's <c>Cache-Control</c>,
/// <c>Expires</c> and <c>CDN-Cache-Control</c> unchanged and never EdgeCache's own field.
/// </summary>
public sealed class TargetedCacheControlTests : IAsyncLifetime
{
    private TestOrigin _origin = null!;

    public async Task InitializeAsync() => _origin = await TestOrigin.StartAsync();

    public async Task DisposeAsync() => await _origin.DisposeAsync();

    private static string? Field(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values) ? string.Join(", ", values) : null;

    [Fact]
    public async Task CdnCacheControlMaxAge_WithCacheControlNoStore_StoredAndReadersSeeTheOriginsFields()
    {
        var clock = new HostClock();
        _origin.Clock = clock;
        _origin.RespondWith("page", ("Cache-Control", "no-store"), ("CDN-Cache-Control", "max-age=60"));
        await using var proxy = await TestProxy.StartAsync(_origin.Address, clock: clock);

        var miss = await proxy.Client.GetAsync("/article");
        clock.Advance(TimeSpan.FromSeconds(30));
        var hit = await proxy.Client.GetAsync("/article");

        Assert.Matches("^EdgeCache; fwd=miss; stored; ttl=(59|60)", CacheStatus(miss)); // the Date is in whole seconds
        Assert.Matches("^EdgeCache; hit; ttl=(29|30)", CacheStatus(hit));
        Assert.Equal("page", await hit.Content.ReadAsStringAsync());
        foreach (var response in new[] { miss, hit })
        {
            Assert.Equal("no-store", Field(response, "Cache-Control"));
            Assert.Equal("max-age=60", Field(response, "CDN-Cache-Control"));
        }
        Assert.Equal(1, _origin.CountFor("/article"));
    }

    [Fact]
    public async Task EdgeCacheCacheControl_DecidesBeforeCdnCacheControl_AndIsRemovedFromWhatReadersGet()
    {
        var clock = new HostClock();
        _origin.Clock = clock;
        _origin.RespondWith("page", ("Cache-Control", "no-store"), ("CDN-Cache-Control", "max-age=600"), ("EdgeCache-Cache-Control", "max-age=20"));
        await using var proxy = await TestProxy.StartAsync(_origin.Address, clock: clock);

        var miss = await proxy.Client.GetAsync("/article");
        var hit = await proxy.Client.GetAsync("/article");
        clock.Advance(TimeSpan.FromSeconds(40)); // past EdgeCache's 20 s and the default 10 s grace; well within the CDNs' 600 s
        var expired = await proxy.Client.GetAsync("/article");

        Assert.Matches("^EdgeCache; fwd=miss; stored; ttl=(19|20)", CacheStatus(miss)); // the Date is in whole seconds
        Assert.StartsWith("EdgeCache; hit", CacheStatus(hit));
        Assert.StartsWith("EdgeCache; fwd=", CacheStatus(expired));
        foreach (var response in new[] { miss, hit, expired })
        {
            Assert.Null(Field(response, "EdgeCache-Cache-Control"));
            Assert.Equal("no-store", Field(response, "Cache-Control"));
            Assert.Equal("max-age=600", Field(response, "CDN-Cache-Control"));
        }
        Assert.Equal(2, _origin.CountFor("/article"));
    }

    [Fact]
    public async Task EdgeCacheCacheControl_OnForwardedAnswers_RemovedToo()
    {
        // Uncached answers leave through the forwarding path (a POST), and through the fetch path
        // when not storable (private): the same filter on both.
        _origin.RespondWith("answer", ("Cache-Control", "private"), ("CDN-Cache-Control", "no-store"), ("EdgeCache-Cache-Control", "no-store"));
        await using var proxy = await TestProxy.StartAsync(_origin.Address);

        var post = await proxy.Client.PostAsync("/form", new StringContent("x"));
        var get = await proxy.Client.GetAsync("/private");

        Assert.StartsWith("EdgeCache; fwd=method", CacheStatus(post));
        Assert.StartsWith("EdgeCache; fwd=miss; detail=no-store", CacheStatus(get));
        foreach (var response in new[] { post, get })
        {
            Assert.Null(Field(response, "EdgeCache-Cache-Control"));
            Assert.Equal("no-store", Field(response, "CDN-Cache-Control"));
            Assert.Equal("private", Field(response, "Cache-Control"));
        }
    }

    [Fact]
    public async Task EdgeCacheCacheControl_OnTooLargeAnswersPassedThrough_RemovedToo()
    {
        _origin.RespondWith(new string('x', 4096), ("CDN-Cache-Control", "max-age=60"), ("EdgeCache-Cache-Control", "max-age=60"));
        await using var proxy = await TestProxy.StartAsync(_origin.Address, extraArgs: "--EdgeCache:Cache:MaxObjectBytes=1024");

        var response = await proxy.Client.GetAsync("/big");

        Assert.Contains("detail=too-large", CacheStatus(response));
        Assert.Equal(4096, (await response.Content.ReadAsStringAsync()).Length);
        Assert.Null(Field(response, "EdgeCache-Cache-Control"));
        Assert.Equal("max-age=60", Field(response, "CDN-Cache-Control"));
    }

    [Theory]
    [InlineData("max-age=60,")]        // a trailing comma
    [InlineData("max-age=\"60")]       // an unterminated string
    [InlineData("Max-Age=60")]         // an upper-case key
    public async Task InvalidTargetedField_Ignored_CacheControlDecides(string field)
    {
        _origin.RespondWith("page", ("Cache-Control", "no-store"), ("CDN-Cache-Control", field));
        await using var proxy = await TestProxy.StartAsync(_origin.Address);

        await proxy.Client.GetAsync("/article");
        var second = await proxy.Client.GetAsync("/article");

        Assert.StartsWith("EdgeCache; fwd=miss; detail=no-store", CacheStatus(second));
        Assert.Equal(field, Field(second, "CDN-Cache-Control"));
        Assert.Equal(2, _origin.CountFor("/article"));
    }

    [Fact]
    public async Task TargetedFieldsConfigured_OnlyThoseRead()
    {
        _origin.RespondWith("page", ("Cache-Control", "no-store"), ("CDN-Cache-Control", "max-age=60"));
        await using var proxy = await TestProxy.StartAsync(_origin.Address, extraArgs: "--EdgeCache:Cache:TargetedFields:0=Acme-Cache-Control");

        await proxy.Client.GetAsync("/article");
        var second = await proxy.Client.GetAsync("/article");

        Assert.StartsWith("EdgeCache; fwd=miss; detail=no-store", CacheStatus(second));
    }

    [Fact]
    public async Task ErrorWithTargetedFreshness_Stored()
    {
        // RFC 9111 3: any status may be stored with explicit freshness (501 is not a failure status).
        _origin.Respond(context =>
        {
            context.Response.StatusCode = StatusCodes.Status501NotImplemented;
            context.Response.Headers["CDN-Cache-Control"] = "max-age=60";
            return context.Response.WriteAsync("not here");
        });
        await using var proxy = await TestProxy.StartAsync(_origin.Address);

        await proxy.Client.GetAsync("/feature");
        var second = await proxy.Client.GetAsync("/feature");

        Assert.Equal(501, (int)second.StatusCode);
        Assert.StartsWith("EdgeCache; hit", CacheStatus(second));
        Assert.Equal(1, _origin.CountFor("/feature"));
    }
}
