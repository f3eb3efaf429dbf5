using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using EdgeCache.Caching.Stores;
using EdgeCache.Tests.Infrastructure;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace EdgeCache.Tests.Integration;

/// <summary>
/// The shared tier attacked on one real redis-server: what one request can make it write, keys an
/// earlier build left, purge counts, a URL purge on a large site, nodes whose clocks differ, shutdown.
/// </summary>
public sealed class SharedTierAttackTests(RedisServerFixture redis, ITestOutputHelper output) : IClassFixture<RedisServerFixture>, IAsyncLifetime
{
    private const string Token = "test-admin-token-0123456789";
    private readonly string _instance = $"attack-{Guid.NewGuid():N}:";
    private readonly List<TestProxy> _proxies = [];
    private TestOrigin _origin = null!;
    private ConnectionMultiplexer _raw = null!;
    private volatile string _edition = "page";
    private volatile string _cacheControl = "public, max-age=300";

    private IDatabase Db => _raw.GetDatabase();

    public async Task InitializeAsync()
    {
        _raw = await ConnectionMultiplexer.ConnectAsync(redis.Server.Configuration + ",allowAdmin=true");
        _origin = await TestOrigin.StartAsync();
        _origin.Respond(context => _origin.Answer(context, _edition + " " + context.Request.Path,
            ("Cache-Control", context.Request.Path == "/news/y" ? "public, max-age=600, must-revalidate" : _cacheControl),
            ("Surrogate-Key", context.Request.Path.StartsWithSegments("/news") ? "news" : "other")));
    }

    public async Task DisposeAsync()
    {
        foreach (var proxy in _proxies)
        {
            await proxy.DisposeAsync();
        }
        await _origin.DisposeAsync();
        await _raw.DisposeAsync();
    }

    private async Task<TestProxy> StartNode(TimeProvider? clock = null, params string[] extra)
    {
        var proxy = await TestProxy.StartAsync(_origin.Address, clock: clock, extraArgs:
        [
            "--redis", redis.Server.Configuration,
            "--EdgeCache:Storage:Redis:InstancePrefix=" + _instance,
            "--EdgeCache:Admin:Token=" + Token,
            .. extra,
        ]);
        _proxies.Add(proxy);
        return proxy;
    }

    private static async Task<(HttpStatusCode Status, int Purged)> Purge(TestProxy node, string json)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/admin/purge") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        using var response = await node.Management.SendAsync(request);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (response.StatusCode, response.IsSuccessStatusCode ? body.GetProperty("purged").GetInt32() : -1);
    }

    private static string Url(string path) => $"http://{TestProxy.PublicHost}{path}";

    private RedisKey EntryKey(string path) => _instance + "v2:e:GET http://" + TestProxy.PublicHost + path;

    private async Task<(long Keys, long Bytes)> Footprint()
    {
        var server = _raw.GetServer(redis.Server.Configuration);
        long keys = 0;
        long bytes = 0;
        await foreach (var key in server.KeysAsync(pattern: _instance + "*", pageSize: 1000))
        {
            keys++;
            bytes += (long)(await Db.ExecuteAsync("MEMORY", "USAGE", key));
        }
        return (keys, bytes);
    }

    /// <summary>
    /// Any client, one request: a cacheable page at a deep path must not make a sorted set per level,
    /// each named by (and holding) the whole key (O(depth²) bytes in Redis and one EVAL per level).
    /// </summary>
    [Theory]
    [InlineData("a/", 900)] // a key under the shared tier's length limit: indexed at its first levels only
    [InlineData("a/", 2000)] // over it: memory only
    [InlineData("/", 7000)]
    public async Task DeepPath_OneRequest_BoundedRedisFootprint(string segment, int levels)
    {
        var a = await StartNode();
        var (keys0, bytes0) = await Footprint();
        var path = "/z/" + string.Concat(Enumerable.Repeat(segment, levels)) + "x"; // under Kestrel's 8 KB request line
        var watch = Stopwatch.StartNew();
        using (var response = await a.Client.GetAsync(path))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        await a.Get<TieredStore>().FlushAsync();
        var written = watch.Elapsed;
        var (keys, bytes) = await Footprint();
        output.WriteLine($"one request, path {path.Length} chars: {keys - keys0} keys, {(bytes - bytes0) / 1024.0 / 1024.0:F1} MiB in Redis, write-behind {written}");
        Assert.True(keys - keys0 < 100, $"{keys - keys0} Redis keys for one request");
        Assert.True(bytes - bytes0 < 1024 * 1024, $"{(bytes - bytes0) / 1024.0 / 1024.0:F1} MiB in Redis for one {path.Length}-char URL");
    }

    /// <summary>
    /// Keys left by the previous build under the same prefix (a SET index, a string entry) must not
    /// break the new layout's index writes and purges (WRONGTYPE) nor hide an entry from a purge.
    /// </summary>
    [Fact]
    public async Task IndexFromPreviousBuild_TagPurge_RemovesTheEntryOrFails()
    {
        await Db.SetAddAsync(_instance + "t:news", "GET http://" + TestProxy.PublicHost + "/news/old"); // as 1.2.6's RedisStore wrote it
        await Db.KeyExpireAsync(_instance + "t:news", TimeSpan.FromHours(1));
        await Db.StringSetAsync(_instance + "e:GET http://" + TestProxy.PublicHost + "/news/1", "an entry of the earlier layout", TimeSpan.FromHours(1));
        var a = await StartNode();
        var b = await StartNode();
        await a.Client.GetStringAsync("/news/1");
        await a.Get<TieredStore>().FlushAsync();
        Assert.True(await Db.KeyExistsAsync(EntryKey("/news/1")));

        _edition = "updated";
        var (status, purged) = await Purge(a, """{"tag":"news"}""");
        output.WriteLine($"purge answered {(int)status}, purged={purged}; entry still in Redis: {await Db.KeyExistsAsync(EntryKey("/news/1"))}");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(1, purged);
        Assert.False(await Db.KeyExistsAsync(EntryKey("/news/1")), "purge answered 200 but the entry is still in Redis");
        Assert.Equal("updated /news/1", await b.Client.GetStringAsync("/news/1"));
    }

    /// <summary>An origin's <c>Expires</c> at the end of the calendar reaches Redis and is a hit on another node.</summary>
    [Fact]
    public async Task ExpiresInTheYear9999_SharedLikeAnyOtherPage()
    {
        _cacheControl = "public";
        _origin.Respond(context => _origin.Answer(context, "far future " + context.Request.Path, ("Expires", "Fri, 31 Dec 9999 23:59:59 GMT")));
        var a = await StartNode();
        var b = await StartNode();

        await a.Client.GetStringAsync("/forever");
        await a.Get<TieredStore>().FlushAsync();
        using var onB = await b.Client.GetAsync("/forever");

        Assert.True(await Db.KeyExistsAsync(EntryKey("/forever")));
        Assert.StartsWith("EdgeCache; hit", CacheStatus(onB));
        Assert.Equal("far future /forever", await onB.Content.ReadAsStringAsync());
    }

    /// <summary>The count a purge answers: entries it removed, not index members of entries already gone.</summary>
    [Fact]
    public async Task UrlPurgeThenTagPurge_CountsOnlyLiveEntries()
    {
        var a = await StartNode();
        await a.Client.GetStringAsync("/news/1");
        await a.Client.GetStringAsync("/news/2");
        await a.Get<TieredStore>().FlushAsync();

        Assert.Equal(1, (await Purge(a, $$"""{"url":"{{Url("/news/1")}}"}""")).Purged);
        var byTag = (await Purge(a, """{"tag":"news"}""")).Purged;

        Assert.Equal(1, byTag);
    }

    /// <summary>
    /// A URL purge of a page at the site's root on a large site (400,000 keys in the root index, a
    /// 50 ms Redis timeout): it must not depend on scanning the root index.
    /// </summary>
    [Fact]
    public async Task UrlPurge_RootPage_OnALargeSite_RemovesIt()
    {
        const int siteSize = 400_000;
        var root = (RedisKey)(_instance + "v2:p:GET http://" + TestProxy.PublicHost + "/");
        var until = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeMilliseconds();
        for (var start = 0; start < siteSize; start += 50_000)
        {
            await Db.ScriptEvaluateAsync("for i = tonumber(ARGV[2]), tonumber(ARGV[3]) do redis.call('ZADD', KEYS[1], ARGV[1], 'GET http://www.example.test/section/page-' .. i) end",
                [root], [until, start, start + 49_999]);
        }
        await Db.KeyExpireAsync(root, TimeSpan.FromHours(1));

        var a = await StartNode(extra: "--EdgeCache:Storage:Redis:Timeout=00:00:00.050");
        var b = await StartNode(extra: "--EdgeCache:Storage:Redis:Timeout=00:00:00.050");
        await a.Client.GetStringAsync("/robots.txt");
        await a.Get<TieredStore>().FlushAsync();

        _edition = "updated";
        var watch = Stopwatch.StartNew();
        var (status, purged) = await Purge(a, $$"""{"url":"{{Url("/robots.txt")}}"}""");
        output.WriteLine($"URL purge of /robots.txt over a {siteSize}-key root index: {(int)status}, purged={purged}, {watch.Elapsed}");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False(await Db.KeyExistsAsync(EntryKey("/robots.txt")), "purge answered 200 but /robots.txt is still in Redis");
        Assert.Equal("updated /robots.txt", await b.Client.GetStringAsync("/robots.txt"));
    }

    /// <summary>
    /// Two nodes whose clocks differ by two minutes: the fast node's index writes must not drop the
    /// slow node's live members as dead, so a later prefix purge still finds the slow node's entry.
    /// /news/x has 60 s of life, /news/y (written by the fast node) 600 s.
    /// </summary>
    [Fact]
    public async Task ClockSkewBetweenNodes_PrefixPurge_StillFindsEntries()
    {
        _cacheControl = "public, max-age=60, must-revalidate";
        var slowClock = new HostClock();
        var fastClock = new HostClock();
        fastClock.Advance(TimeSpan.FromMinutes(2));
        var a = await StartNode(slowClock);
        var b = await StartNode(fastClock);

        await a.Client.GetStringAsync("/news/x");
        await a.Get<TieredStore>().FlushAsync();
        await b.Client.GetStringAsync("/news/y");
        await b.Get<TieredStore>().FlushAsync();

        var (_, purged) = await Purge(a, $$"""{"prefix":"{{Url("/news/")}}"}""");
        output.WriteLine($"purged={purged}; /news/x still in Redis: {await Db.KeyExistsAsync(EntryKey("/news/x"))}, ttl {await Db.KeyTimeToLiveAsync(EntryKey("/news/x"))}");

        Assert.False(await Db.KeyExistsAsync(EntryKey("/news/x")), "prefix purge left /news/x (58 s of life left) in Redis");
    }

    /// <summary>Shutdown: the queued writes reach Redis before RedisCache closes the shared multiplexer.</summary>
    [Fact]
    public async Task Shutdown_QueuedWritesReachRedis()
    {
        var a = await StartNode();
        var paths = Enumerable.Range(0, 300).Select(i => $"/bulk/{i}").ToArray();
        foreach (var chunk in paths.Chunk(4))
        {
            await Task.WhenAll(chunk.Select(p => a.Client.GetStringAsync(p)));
        }
        _proxies.Remove(a);
        await a.DisposeAsync();
        var stored = 0;
        foreach (var p in paths)
        {
            stored += await Db.KeyExistsAsync(EntryKey(p)) ? 1 : 0;
        }
        output.WriteLine($"{stored} of {paths.Length} in Redis after shutdown");
        Assert.Equal(paths.Length, stored);
    }
}
