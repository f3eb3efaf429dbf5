using EdgeCache.Caching.Stores;
using EdgeCache.Rules;
using EdgeCache.Tests.Infrastructure;

namespace EdgeCache.Tests.Caching.Pipeline;

/// <summary>
/// The request path decides once: the pre-routing step matches the rule and probes the memory
/// tier, and the routed step takes them over instead of doing it again (counted on a real proxy).
/// </summary>
public sealed class EdgeCacheMiddlewareTests : IAsyncLifetime
{
    private TestOrigin _origin = null!;
    private TestProxy _proxy = null!;

    public async Task InitializeAsync()
    {
        _origin = await TestOrigin.StartAsync();
        _origin.Respond(context => context.Request.Path.StartsWithSegments("/varies")
            ? _origin.Answer(context, "page " + context.Request.Headers.AcceptLanguage, ("Cache-Control", "public, max-age=600"), ("Vary", "Accept-Language"))
            : _origin.Answer(context, "page", ("Cache-Control", "public, max-age=600")));
        _proxy = await TestProxy.StartAsync(_origin.Address, extraArgs:
            ["--EdgeCache:Rules:0:Name=all", "--EdgeCache:Rules:0:Paths:0=/*", "--EdgeCache:Rules:0:SortQueryParameters=true"]);
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _origin.DisposeAsync();
    }

    /// <summary>Rule matches and memory lookups one request caused.</summary>
    private async Task<(long Matches, long Lookups)> Count(string path, string? language = null)
    {
        var rules = _proxy.Get<RuleSetProvider>().Current;
        var memory = _proxy.Get<MemoryStore>();
        var (matches, lookups) = (rules.Matches, memory.Lookups);
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (language is not null)
        {
            request.Headers.AcceptLanguage.ParseAdd(language);
        }
        (await _proxy.Client.SendAsync(request)).EnsureSuccessStatusCode();
        return (rules.Matches - matches, memory.Lookups - lookups);
    }

    [Fact]
    public async Task ColdGet_MatchedAndProbedOnce()
    {
        Assert.Equal((1, 1), await Count("/cold"));
        Assert.Equal(1, _origin.CountFor("/cold"));
    }

    [Fact]
    public async Task ColdGetWithQuery_QueryShapedAndCachedWithOneMatch()
    {
        Assert.Equal((1, 1), await Count("/q?b=2&a=1"));
        Assert.Equal((1, 1), await Count("/q?a=1&b=2")); // the same key: a hit
        Assert.Equal(1, _origin.RequestCount);
    }

    [Fact]
    public async Task Hit_MatchedAndProbedOnce()
    {
        await Count("/hot");

        Assert.Equal((1, 1), await Count("/hot"));
    }

    [Fact]
    public async Task NewVaryVariant_MarkerAndVariantProbedOnceEach()
    {
        await Count("/varies", "en");

        Assert.Equal((1, 2), await Count("/varies", "fr")); // the marker, then the reader's variant; the routed step reads neither again
        Assert.Equal((1, 2), await Count("/varies", "fr")); // now a hit
        Assert.Equal(2, _origin.CountFor("/varies"));
    }
}

/// <summary>The routed step orchestrates; the work lives in its steps (OutputCacheMiddleware takes 6 dependencies, YARP's LoadBalancingMiddleware 3).</summary>
public sealed class ProxyCacheMiddlewareShapeTests
{
    [Fact]
    public void Constructor_AtMostSixDependencies() =>
        Assert.InRange(typeof(EdgeCache.Caching.Pipeline.ProxyCacheMiddleware).GetConstructors().Single().GetParameters().Length, 1, 6);
}
