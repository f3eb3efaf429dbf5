using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using EdgeCache.Caching.Stores;
using EdgeCache.Tests.Infrastructure;

namespace EdgeCache.Tests.Integration;

/// <summary>Two EdgeCache nodes sharing one real redis-server: Redis failures and the admin API (the shared tier itself: <see cref="SharedTierTests"/>).</summary>
public sealed class SharedCacheTests : IAsyncLifetime
{
    private const string Token = "test-admin-token-0123456789";
    private readonly HostClock _clock = new();
    private RedisServer _redis = null!;
    private TestOrigin _origin = null!;
    private TestProxy _a = null!;
    private TestProxy _b = null!;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _origin = await TestOrigin.StartAsync();
        _origin.Clock = _clock;
        _origin.Respond(context => _origin.Answer(context, "page " + context.Request.Path,
            ("Cache-Control", "public, max-age=60, stale-if-error=86400"),
            ("Surrogate-Key", context.Request.Path.StartsWithSegments("/news") ? "news" : "other")));
        _a = await StartNode();
        _b = await StartNode();
    }

    private Task<TestProxy> StartNode() => TestProxy.StartAsync(_origin.Address, clock: _clock, extraArgs:
    [
        "--redis", _redis.Configuration,
        "--EdgeCache:Admin:Token=" + Token,
        "--EdgeCache:HealthInterval=00:00:00.200",
        "--EdgeCache:HealthTimeout=00:00:00.200",
    ]);

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
        await _origin.DisposeAsync();
        await _redis.DisposeAsync();
    }

    /// <summary>A's answer, once its entry reached Redis (written behind the answer) so B can read it.</summary>
    private async Task<string> FetchOnA(string path)
    {
        var body = await _a.Client.GetStringAsync(path);
        await _a.Get<TieredStore>().FlushAsync();
        return body;
    }


    private static async Task<HttpResponseMessage> Admin(TestProxy node, HttpMethod method, string path, string? json = null, string? token = Token)
    {
        var request = new HttpRequestMessage(method, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }
        return await node.Management.SendAsync(request);
    }

    private static string Url(string path) => $"http://{TestProxy.PublicHost}{path}";


    [Fact]
    public async Task RedisKilled_RequestsKeepSucceeding_RestartedTierComesBack()
    {
        await FetchOnA("/before");
        await _redis.KillAsync();

        for (var i = 0; i < 5; i++)
        {
            var response = await _a.Client.GetAsync($"/during-{i}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        Assert.StartsWith("EdgeCache; hit", CacheStatus(await _a.Client.GetAsync("/before"))); // memory tier

        await _redis.RestartAsync();
        await Eventually(() => Task.FromResult(_a.Get<RedisStore>().IsConnected && _b.Get<RedisStore>().IsConnected), "both nodes reconnecting");
        // A node may have missed purges while disconnected: its memory tier is cleared on reconnect.
        await Eventually(() => Task.FromResult(_a.Get<MemoryStore>().Count == 0), "A clearing its memory tier");
        Assert.Contains("fwd=miss", CacheStatus(await _a.Client.GetAsync("/before")));
        // Sharing resumes (a write racing the reconnection may be lost: a miss, never an error).
        var attempt = 0;
        await Eventually(async () =>
        {
            var path = $"/after-{attempt++}";
            await FetchOnA(path);
            return CacheStatus(await _b.Client.GetAsync(path)).StartsWith("EdgeCache; hit", StringComparison.Ordinal);
        }, "a page fetched on A being a hit on B again", 10);
    }

    [Fact]
    public async Task RedisHung_SkippedAfterAFewTimeouts_PurgeSays503_UsedAgainWhenItAnswers()
    {
        await FetchOnA("/before-hang");
        await _redis.PauseAsync(); // SIGSTOP: connections stay open, nothing answers

        // Every miss reads Redis first: only the first few pay the 250 ms timeout, then the tier is skipped.
        var slow = 0;
        for (var i = 0; i < 20; i++)
        {
            var watch = Stopwatch.StartNew();
            using var response = await _a.Client.GetAsync($"/during-hang-{i}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            slow += watch.Elapsed >= TimeSpan.FromMilliseconds(240) ? 1 : 0;
        }
        Assert.InRange(slow, 0, RedisBreaker.Threshold + 2);
        Assert.StartsWith("EdgeCache; hit", CacheStatus(await _a.Client.GetAsync("/before-hang"))); // memory tier
        Assert.Contains("edgecache_tier_up{tier=\"redis\"} 0", await _a.Management.GetStringAsync("/metrics"));
        var purge = await Admin(_a, HttpMethod.Post, "/admin/purge", $$"""{"url":"{{Url("/before-hang")}}"}""");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, purge.StatusCode);

        await _redis.ResumeAsync();
        await Eventually(async () => (await _a.Management.GetStringAsync("/metrics")).Contains("edgecache_tier_up{tier=\"redis\"} 1"),
            "A using Redis again", 10);
        var attempt = 0;
        await Eventually(async () =>
        {
            var path = $"/after-hang-{attempt++}";
            await FetchOnA(path);
            return CacheStatus(await _b.Client.GetAsync(path)).StartsWith("EdgeCache; hit", StringComparison.Ordinal);
        }, "a page fetched on A being a hit on B again", 10);
    }

    [Fact]
    public async Task RedisAnsweringLate_CircuitBreakerSkipsIt_UntilAProbeAnswersInTime()
    {
        // Connections stay up and every answer comes back 400 ms late (a saturated server): the
        // client never sees a disconnection, only the breaker can spare readers the timeouts.
        await using var slowRedis = new DelayingTcpProxy(_redis.Port);
        await using var node = await TestProxy.StartAsync(_origin.Address, clock: _clock, extraArgs: ["--redis", slowRedis.Configuration]);
        await node.Client.GetStringAsync("/warm-up");
        slowRedis.Delay = TimeSpan.FromMilliseconds(400);

        var slow = 0;
        for (var i = 0; i < 20; i++)
        {
            var watch = Stopwatch.StartNew();
            using var response = await node.Client.GetAsync($"/late-{i}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            slow += watch.Elapsed >= TimeSpan.FromMilliseconds(240) ? 1 : 0;
        }
        Assert.InRange(slow, 0, RedisBreaker.Threshold + 2); // without the breaker: 20 of 20
        Assert.True(node.Get<RedisStore>().IsConnected);
        Assert.False(node.Get<RedisStore>().IsUsable);
        Assert.Contains("edgecache_tier_up{tier=\"redis\"} 0", await node.Management.GetStringAsync("/metrics"));

        slowRedis.Delay = TimeSpan.Zero;
        await Eventually(() => node.Get<RedisStore>().IsUsable, "a probe answering in time", 10);
        Assert.Contains("edgecache_tier_up{tier=\"redis\"} 1", await node.Management.GetStringAsync("/metrics"));
    }

    [Fact]
    public async Task PurgeWithRedisDown_503NamingIt_NeverASilentSuccess()
    {
        await FetchOnA("/unreachable");
        await _redis.KillAsync();
        await Eventually(() => !_a.Get<RedisStore>().IsConnected, "A noticing Redis is gone");

        var purge = await Admin(_a, HttpMethod.Post, "/admin/purge", $$"""{"url":"{{Url("/unreachable")}}"}""");
        var body = await purge.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, purge.StatusCode);
        Assert.Contains("did not reach the redis tier", body.GetProperty("error").GetString());
        Assert.Equal(1, body.GetProperty("purged").GetInt32()); // where it could: this node's memory
        Assert.Contains("fwd=miss", CacheStatus(await _a.Client.GetAsync("/unreachable")));
    }

    [Fact]
    public async Task Admin_Auth_NoTokenWrongTokenRightToken()
    {
        await FetchOnA("/guarded");
        var body = $$"""{"url":"{{Url("/guarded")}}"}""";

        var none = await Admin(_a, HttpMethod.Post, "/admin/purge", body, token: null);
        var wrong = await Admin(_a, HttpMethod.Post, "/admin/purge", body, token: "not-the-token-at-all");
        var stillCached = await _a.Client.GetAsync("/guarded");
        var right = await Admin(_a, HttpMethod.Post, "/admin/purge", body);

        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.StartsWith("EdgeCache; hit", CacheStatus(stillCached)); // a refused call changed nothing
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
    }

    [Theory]
    [InlineData("not json", "body")]
    [InlineData("[1,2]", "body")]
    [InlineData("""{"url":"/relative"}""", "url")]
    [InlineData("""{"url":"http://x/a","tag":"t"}""", "url")]
    [InlineData("""{}""", "body")] // no field is at fault: the body lacks one
    [InlineData("""{"tag":""}""", "tag")]
    [InlineData("""{"tag":"t","soft":"yes"}""", "soft")]
    public async Task AdminPurge_MalformedBody_400NamingTheField(string json, string field)
    {
        var response = await Admin(_a, HttpMethod.Post, "/admin/purge", json);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    [Fact]
    public async Task AdminPurge_BodyTooLarge_413()
    {
        var response = await Admin(_a, HttpMethod.Post, "/admin/purge", "{\"tag\":\"" + new string('x', 100_000) + "\"}");

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task AdminEntry_CachedPage_DescribesIt()
    {
        await FetchOnA("/news/entry");

        var entry = await (await Admin(_b, HttpMethod.Get, "/admin/entry?url=" + Uri.EscapeDataString(Url("/news/entry")))).Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal("redis", entry.GetProperty("tier").GetString());
        Assert.Equal("news", entry.GetProperty("tags")[0].GetString());
        Assert.InRange(entry.GetProperty("ttlSeconds").GetInt64(), 50, 60);
        Assert.Equal(86400, entry.GetProperty("staleIfErrorSeconds").GetInt64());
        Assert.Equal("verified", entry.GetProperty("checksum").GetString());
    }

    [Fact]
    public async Task AdminWarm_ListedUrls_CachedNow()
    {
        var response = await Admin(_a, HttpMethod.Post, "/admin/warm", $$"""{"urls":["{{Url("/warm/1")}}","{{Url("/warm/2")}}"]}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, _origin.CountFor("/warm/1"));
        Assert.StartsWith("EdgeCache; hit", CacheStatus(await _b.Client.GetAsync("/warm/2")));
    }

    [Fact]
    public async Task Admin_NoTokenConfigured_Off()
    {
        await using var plain = await TestProxy.StartAsync(_origin.Address);

        var response = await Admin(plain, HttpMethod.Post, "/admin/purge", """{"tag":"x"}""");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
