using Microsoft.AspNetCore.Http;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using EdgeCache.Caching.Stores;
using EdgeCache.Tests.Infrastructure;

namespace EdgeCache.Tests.Integration;

/// <summary>
/// Two EdgeCache nodes sharing one Redis tier: a page any node fetched is a hit on the other, and
/// URL, prefix and tag purges reach both. The same tests run on one redis-server, on a primary
/// with a replica, and on a three-master Redis Cluster (where every index and entry may live on
/// another node).
/// </summary>
public abstract class SharedTierTests : IAsyncLifetime
{
    private const string Token = "test-admin-token-0123456789";
    private readonly HostClock _clock = new();
    private readonly string _redis;
    // Each test has its own keys in the shared server or cluster.
    private readonly string _instance = $"test-{Guid.NewGuid():N}:";
    private TestOrigin _origin = null!;
    private volatile string _edition = "page";
    private TestProxy _a = null!;
    private TestProxy _b = null!;

    protected SharedTierTests(string redisConfiguration)
    {
        _redis = redisConfiguration;
    }

    public async Task InitializeAsync()
    {
        _origin = await TestOrigin.StartAsync();
        _origin.Clock = _clock;
        _origin.Respond(context => _origin.Answer(context, _edition + " " + context.Request.Path,
            ("Cache-Control", "public, max-age=60, stale-if-error=86400"),
            ("Surrogate-Key", context.Request.Path.StartsWithSegments("/news") ? "news" : "other")));
        _a = await StartNode();
        _b = await StartNode();
    }

    private Task<TestProxy> StartNode() => TestProxy.StartAsync(_origin.Address, clock: _clock, extraArgs:
    [
        "--redis", _redis,
        "--EdgeCache:Storage:Redis:InstancePrefix=" + _instance,
        "--EdgeCache:Admin:Token=" + Token,
        "--EdgeCache:HealthInterval=00:00:00.200",
        "--EdgeCache:HealthTimeout=00:00:00.200",
    ]);

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
        await _origin.DisposeAsync();
    }

    /// <summary>A's answer, once its entry reached Redis (written behind the answer) so B can read it.</summary>
    private async Task<string> FetchOnA(string path)
    {
        var body = await _a.Client.GetStringAsync(path);
        await _a.Get<TieredStore>().FlushAsync();
        return body;
    }

    private static async Task<JsonElement> Purge(TestProxy node, string json)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/admin/purge")
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        using var response = await node.Management.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static string Url(string path) => $"http://{TestProxy.PublicHost}{path}";

    [Fact]
    public async Task PageFetchedThroughA_HitOnB_NoOriginRequest()
    {
        var paths = Enumerable.Range(0, 12).Select(i => $"/shared/{i}").ToArray(); // spread over the cluster's slots
        foreach (var path in paths)
        {
            await FetchOnA(path);
        }

        foreach (var path in paths)
        {
            using var onB = await _b.Client.GetAsync(path);
            Assert.Equal("page " + path, await onB.Content.ReadAsStringAsync());
            Assert.StartsWith("EdgeCache; hit", CacheStatus(onB));
            Assert.Equal(1, _origin.CountFor(path));
        }
    }

    [Fact]
    public async Task PurgeUrlOnA_BMissesWithinASecond()
    {
        await FetchOnA("/p");
        await Eventually(async () => CacheStatus(await _b.Client.GetAsync("/p")).Contains("hit"), "B holding /p"); // in B's memory tier too

        await Purge(_a, $$"""{"url":"{{Url("/p")}}"}""");
        var watch = Stopwatch.StartNew();
        await Eventually(async () => CacheStatus(await _b.Client.GetAsync("/p")).Contains("fwd=miss"), "B missing after the purge");

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1.5), $"B still served the purged page {watch.Elapsed} after the purge");
    }

    [Fact]
    public async Task SuccessfulPostThroughA_BGoesBackToTheOrigin()
    {
        // RFC 9111 4.4 on every node: the POST's answer reaches its client only after the
        // invalidation reached Redis and was published, so B's copy is stale at once.
        await FetchOnA("/comments");
        await _b.Client.GetStringAsync("/comments"); // in B's memory tier too
        _edition = "edited";

        using var post = await _a.Client.PostAsync("/comments", new StringContent("a comment"));
        Assert.Equal(HttpStatusCode.OK, post.StatusCode);

        await Eventually(async () => await _b.Client.GetStringAsync("/comments") == "edited /comments", "B serving the edited page");
        Assert.Equal(2, _origin.Requests.Count(r => r.PathAndQuery == "/comments" && r.Method == "GET"));
    }

    [Fact]
    public async Task SoftPurge_ThenOriginDown_StillServedStale()
    {
        await FetchOnA("/soft");
        // B holds its copy before the purge: a purge message that arrives before B's own store of
        // the page cannot mark it (it is not there yet), and B would rightly go on serving it.
        await Eventually(async () => CacheStatus(await _b.Client.GetAsync("/soft")).Contains("hit"), "B holding /soft");

        await Purge(_a, $$"""{"url":"{{Url("/soft")}}","soft":true}""");
        // The origin failing rather than stopped: a stopped origin's port may be taken by an origin
        // another test starts meanwhile, which would answer B with a fresh page.
        _origin.Respond(context =>
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return Task.CompletedTask;
        });

        // Before the purge reached B, B answers from its fresh memory copy; after, the stale copy stands in.
        await Eventually(async () => CacheStatus(await _b.Client.GetAsync("/soft")).Contains("fwd=stale"), "B treating its copy as stale");
        using var response = await _b.Client.GetAsync("/soft");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("page /soft", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task UrlPurge_TakesEveryVaryVariant_OnBothNodes()
    {
        _origin.Respond(context =>
        {
            context.Response.Headers.Vary = "Accept-Language";
            return _origin.Answer(context, $"{_edition} {context.Request.Path} in {context.Request.Headers.AcceptLanguage}",
                ("Cache-Control", "public, max-age=60"));
        });
        async Task<string> Get(TestProxy node, string language)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/greeting");
            request.Headers.Add("Accept-Language", language);
            using var response = await node.Client.SendAsync(request);
            return await response.Content.ReadAsStringAsync();
        }
        foreach (var language in new[] { "en", "fr", "de" })
        {
            await Get(_a, language);
        }
        await _a.Get<TieredStore>().FlushAsync();
        Assert.Equal("page /greeting in fr", await Get(_b, "fr")); // from Redis

        _edition = "updated";
        var purged = await Purge(_b, $$"""{"url":"{{Url("/greeting")}}"}""");

        Assert.Equal(4, purged.GetProperty("purged").GetInt32()); // three variants and the Vary marker
        foreach (var language in new[] { "en", "fr", "de" })
        {
            Assert.Equal($"updated /greeting in {language}", await Get(_b, language));
            await Eventually(async () => await Get(_a, language) == $"updated /greeting in {language}", $"A serving the new {language} variant");
        }
    }

    [Fact]
    public async Task PurgeTagAndPrefix_OnlyMatchingEntriesGo()
    {
        foreach (var path in new[] { "/news/1", "/news/2", "/sport/1", "/other/1" })
        {
            await FetchOnA(path);
        }

        var byTag = await Purge(_a, """{"tag":"news"}""");
        var byPrefix = await Purge(_a, $$"""{"prefix":"{{Url("/sport/")}}"}""");

        Assert.Equal(2, byTag.GetProperty("purged").GetInt32());
        Assert.Equal(1, byPrefix.GetProperty("purged").GetInt32());
        Assert.Contains("fwd=miss", CacheStatus(await _b.Client.GetAsync("/news/1")));
        Assert.Contains("fwd=miss", CacheStatus(await _b.Client.GetAsync("/sport/1")));
        Assert.StartsWith("EdgeCache; hit", CacheStatus(await _b.Client.GetAsync("/other/1")));
    }

    [Fact]
    public async Task PrefixPurge_ReachesEveryDepthBelowIt_OnBothNodes()
    {
        string[] below = ["/news/a", "/news/2024/b", "/news/2024/11/c", "/news/2024/11/30/d?page=2"];
        string[] beside = ["/newsletter", "/sport/news/e", "/"];
        foreach (var path in below.Concat(beside))
        {
            await FetchOnA(path);
            await _b.Client.GetStringAsync(path); // in B's memory tier too
        }

        _edition = "updated";
        var purged = await Purge(_b, $$"""{"prefix":"{{Url("/news/")}}"}""");

        Assert.Equal(below.Length, purged.GetProperty("purged").GetInt32());
        foreach (var path in below)
        {
            Assert.Equal("updated " + path.Split('?')[0], await _b.Client.GetStringAsync(path));
            await Eventually(async () => await _a.Client.GetStringAsync(path) == "updated " + path.Split('?')[0], $"A serving the new {path}");
        }
        foreach (var path in beside)
        {
            Assert.Equal("page " + path, await _a.Client.GetStringAsync(path));
            Assert.Equal("page " + path, await _b.Client.GetStringAsync(path));
        }
    }
}

public sealed class RedisServerFixture : IAsyncLifetime
{
    internal RedisServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await RedisServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

public sealed class RedisReplicatedFixture : IAsyncLifetime
{
    internal RedisServer Primary { get; private set; } = null!;

    internal RedisServer Replica { get; private set; } = null!;

    /// <summary>Both servers, as an operator would list them: the client finds which one is the primary.</summary>
    internal string Configuration => $"{Replica.Configuration},{Primary.Configuration}";

    public async Task InitializeAsync()
    {
        Primary = await RedisServer.StartAsync();
        Replica = await RedisServer.StartReplicaAsync(Primary);
    }

    public async Task DisposeAsync()
    {
        await Replica.DisposeAsync();
        await Primary.DisposeAsync();
    }
}

public sealed class RedisClusterFixture : IAsyncLifetime
{
    internal RedisCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() => Cluster = await RedisCluster.StartAsync();

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

public sealed class SharedTierOnOneServerTests(RedisServerFixture redis)
    : SharedTierTests(redis.Server.Configuration), IClassFixture<RedisServerFixture>;

public sealed class SharedTierOnPrimaryWithReplicaTests(RedisReplicatedFixture redis)
    : SharedTierTests(redis.Configuration), IClassFixture<RedisReplicatedFixture>;

public sealed class SharedTierOnRedisClusterTests(RedisClusterFixture redis)
    : SharedTierTests(redis.Cluster.Configuration), IClassFixture<RedisClusterFixture>;
