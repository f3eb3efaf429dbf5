using EdgeCache.Caching.Stores;
using EdgeCache.Origin;
using EdgeCache.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace EdgeCache.Tests.Integration;

/// <summary>
/// A stored entry belongs to the site whose origin answered it: another origin behind the same
/// cache (a restart with another --origin over the same folder or Redis, a live ReverseProxy change)
/// never serves it; the new site's answer replaces it.
/// </summary>
public sealed class SiteOwnedEntriesTests
{
    private static async Task<TestOrigin> Origin(string name)
    {
        var origin = await TestOrigin.StartAsync();
        origin.Respond(context => origin.Answer(context, $"{name}'s {context.Request.Path}", ("Cache-Control", "public, max-age=600")));
        return origin;
    }

    private static async Task<(string Body, string CacheStatus)> Get(TestProxy proxy, string path)
    {
        using var response = await proxy.Client.GetAsync(path);
        return (await response.Content.ReadAsStringAsync(), Http.CacheStatus(response));
    }

    [Fact]
    public async Task RestartWithAnotherOrigin_SameDiskFolder_ServedFromTheNewOrigin()
    {
        await using var a = await Origin("A");
        await using var b = await Origin("B");
        var cache = TempDirectory.Create("edgecache-cache");
        await using (var first = await TestProxy.StartAsync(a.Address, cache))
        {
            var (body, status) = await Get(first, "/articles/4");
            Assert.Equal("A's /articles/4", body);
            Assert.StartsWith("EdgeCache; fwd=miss; stored", status);
        }
        await using (var again = await TestProxy.StartAsync(a.Address, cache))
        {
            // The same origin again: the entry on disk is its own (so the folder did keep it).
            var (body, status) = await Get(again, "/articles/4");
            Assert.Equal("A's /articles/4", body);
            Assert.StartsWith("EdgeCache; hit", status);
        }

        await using var other = await TestProxy.StartAsync(b.Address, cache);
        var (answer, cacheStatus) = await Get(other, "/articles/4");

        Assert.Equal("B's /articles/4", answer);
        Assert.DoesNotContain("hit", cacheStatus);
        Assert.Equal(1, b.CountFor("/articles/4"));
        var (hit, hitStatus) = await Get(other, "/articles/4"); // B's answer is B's entry now
        Assert.Equal("B's /articles/4", hit);
        Assert.StartsWith("EdgeCache; hit", hitStatus);
        Assert.Equal(1, a.CountFor("/articles/4"));
    }

    [Fact]
    public async Task RestartWithAnotherOrigin_SameRedis_ServedFromTheNewOrigin()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var a = await Origin("A");
        await using var b = await Origin("B");
        string[] shared = ["--redis", redis.Configuration, "--EdgeCache:Storage:Redis:InstancePrefix=owned:"];
        await using (var first = await TestProxy.StartAsync(a.Address, extraArgs: shared))
        {
            Assert.Equal("A's /articles/4", (await Get(first, "/articles/4")).Body);
            await first.Get<TieredStore>().FlushAsync();
        }
        await using (var again = await TestProxy.StartAsync(a.Address, extraArgs: shared))
        {
            Assert.StartsWith("EdgeCache; hit", (await Get(again, "/articles/4")).CacheStatus); // Redis kept it
        }

        await using var other = await TestProxy.StartAsync(b.Address, extraArgs: shared);
        var (answer, cacheStatus) = await Get(other, "/articles/4");

        Assert.Equal("B's /articles/4", answer);
        Assert.DoesNotContain("hit", cacheStatus);
        Assert.Equal(1, b.CountFor("/articles/4"));
    }

    [Fact]
    public async Task LiveReverseProxyChange_HostRepointedToAnotherCluster_TheOldClustersMemoryEntryNotServed()
    {
        await using var a = await Origin("A");
        await using var b = await Origin("B");
        await using var proxy = await TestProxy.StartAsync(null, services: null, extraArgs:
        [
            "--ReverseProxy:Routes:site:ClusterId=a",
            "--ReverseProxy:Routes:site:Match:Path={**all}",
            "--ReverseProxy:Routes:site:Match:Hosts:0=" + TestProxy.PublicHost,
            "--ReverseProxy:Clusters:a:Destinations:d1:Address=" + a.Address,
        ]);
        Assert.Equal("A's /articles/4", (await Get(proxy, "/articles/4")).Body);
        Assert.StartsWith("EdgeCache; hit", (await Get(proxy, "/articles/4")).CacheStatus); // now answered before routing

        // The host moves to cluster b, as an edited appsettings.json would do it.
        var generation = proxy.Get<ProxyConfigGeneration>();
        var before = generation.Current;
        ((IConfigurationBuilder)proxy.Get<IConfiguration>()).AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ReverseProxy:Routes:site:ClusterId"] = "b",
            ["ReverseProxy:Clusters:b:Destinations:d1:Address"] = b.Address.ToString(),
        });
        await Http.Eventually(() => generation.Current != before, "the new proxy configuration applied");

        var (answer, cacheStatus) = await Get(proxy, "/articles/4");
        Assert.Equal("B's /articles/4", answer);
        Assert.DoesNotContain("hit", cacheStatus);
        Assert.Equal(1, b.CountFor("/articles/4"));
        var (hit, hitStatus) = await Get(proxy, "/articles/4");
        Assert.Equal("B's /articles/4", hit);
        Assert.StartsWith("EdgeCache; hit", hitStatus);
        Assert.Equal(1, a.CountFor("/articles/4"));
    }

    [Fact]
    public async Task RouteByHeader_SameUrlAnotherCluster_TheOtherClustersEntryNotServedBeforeRouting()
    {
        await using var a = await Origin("A");
        await using var b = await Origin("B");
        await using var proxy = await TestProxy.StartAsync(null, services: null, extraArgs:
        [
            "--ReverseProxy:Routes:main:ClusterId=a",
            "--ReverseProxy:Routes:main:Match:Path={**all}",
            "--ReverseProxy:Routes:main:Order=1",
            "--ReverseProxy:Routes:canary:ClusterId=b",
            "--ReverseProxy:Routes:canary:Match:Path={**all}",
            "--ReverseProxy:Routes:canary:Match:Headers:0:Name=X-Canary",
            "--ReverseProxy:Routes:canary:Match:Headers:0:Values:0=1",
            "--ReverseProxy:Clusters:a:Destinations:d1:Address=" + a.Address,
            "--ReverseProxy:Clusters:b:Destinations:d1:Address=" + b.Address,
        ]);
        Assert.Equal("A's /articles/4", (await Get(proxy, "/articles/4")).Body);
        Assert.StartsWith("EdgeCache; hit", (await Get(proxy, "/articles/4")).CacheStatus);

        // The same URL, which the routes give to cluster b.
        using var request = new HttpRequestMessage(HttpMethod.Get, "/articles/4");
        request.Headers.Add("X-Canary", "1");
        using var response = await proxy.Client.SendAsync(request);

        Assert.Equal("B's /articles/4", await response.Content.ReadAsStringAsync());
        Assert.Equal(1, b.CountFor("/articles/4"));
    }
}
