using System.Net;
using System.Net.Http.Headers;
using EdgeCache.Caching.Stores;
using EdgeCache.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace EdgeCache.Tests.Integration;

/// <summary>EdgeCache on a real port in front of a real origin: what a reader and the origin see.</summary>
public sealed class CachingProxyTests : IAsyncLifetime
{
    private TestOrigin _origin = null!;

    public async Task InitializeAsync() => _origin = await TestOrigin.StartAsync();

    public async Task DisposeAsync() => await _origin.DisposeAsync();


    [Fact]
    public async Task Get_TwiceForCacheablePage_MissThenHitWithOneOriginRequest()
    {
        _origin.RespondWith("hello", ("Cache-Control", "public, max-age=60"));
        await using var proxy = await TestProxy.StartAsync(_origin.Address);

        var first = await proxy.Client.GetAsync("/page");
        var second = await proxy.Client.GetAsync("/page");

        Assert.Equal("hello", await first.Content.ReadAsStringAsync());
        Assert.StartsWith("EdgeCache; fwd=miss; stored", CacheStatus(first));
        Assert.Equal("hello", await second.Content.ReadAsStringAsync());
        Assert.StartsWith("EdgeCache; hit; ttl=", CacheStatus(second));
        Assert.NotNull(second.Headers.Age);
        Assert.Equal(1, _origin.CountFor("/page"));
    }

    [Fact]
    public async Task Head_AfterGet_ServedFromStoredGetWithoutBody()
    {
        _origin.RespondWith("hello world", ("Cache-Control", "public, max-age=60"));
        await using var proxy = await TestProxy.StartAsync(_origin.Address);
        await proxy.Client.GetAsync("/doc");

        var head = await proxy.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/doc"));

        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.StartsWith("EdgeCache; hit", CacheStatus(head));
        Assert.Equal(11, head.Content.Headers.ContentLength);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
        Assert.Equal(1, _origin.RequestCount);
    }

    [Fact]
    public async Task Head_Miss_FetchesGetSoNextGetIsHit()
    {
        _origin.RespondWith("body", ("Cache-Control", "public, max-age=60"));
        await using var proxy = await TestProxy.StartAsync(_origin.Address);

        var head = await proxy.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/h"));
        var get = await proxy.Client.GetAsync("/h");

        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
        Assert.Equal("body", await get.Content.ReadAsStringAsync());
        Assert.StartsWith("EdgeCache; hit", CacheStatus(get));
        Assert.Equal("GET", Assert.Single(_origin.Requests).Method);
    }

    [Fact]
    public async Task Get_StaleWithETag_RevalidatesWith304AndRefreshesFreshness()
    {
        var clock = new HostClock();
        _origin.Clock = clock;
        _origin.RespondWith("v1", ("Cache-Control", "public, max-age=10"), ("ETag", "\"v1\""));
        await using var proxy = await TestProxy.StartAsync(_origin.Address, clock: clock);
        await proxy.Client.GetAsync("/r");
        clock.Advance(TimeSpan.FromSeconds(25)); // past max-age and the default 10 s grace

        var revalidated = await proxy.Client.GetAsync("/r");
        var afterwards = await proxy.Client.GetAsync("/r");

        var conditional = _origin.Requests.Last();
        Assert.Equal("\"v1\"", conditional.Headers["If-None-Match"]);
        Assert.Equal("v1", await revalidated.Content.ReadAsStringAsync());
        Assert.StartsWith("EdgeCache; fwd=stale; fwd-status=304; stored", CacheStatus(revalidated));
        Assert.StartsWith("EdgeCache; hit", CacheStatus(afterwards));
        Assert.Equal(2, _origin.RequestCount);
    }

    [Fact]
    public async Task Get_JustExpired_ServedAtOnceWithinDefaultGraceWhileRevalidatedInBackground()
    {
        // Like Varnish's default grace: a page that expired less than 10 s ago (and whose origin
        // did not forbid it) is served at once while one background request revalidates it.
        var clock = new HostClock();
        _origin.Clock = clock;
        _origin.RespondWith("v1", ("Cache-Control", "public, max-age=10"), ("ETag", "\"v1\""));
        await using var proxy = await TestProxy.StartAsync(_origin.Address, clock: clock);
        await proxy.Client.GetAsync("/g");
        _origin.RespondWith("v2", ("Cache-Control", "public, max-age=10"), ("ETag", "\"v2\""));
        clock.Advance(TimeSpan.FromSeconds(15));

        var graced = await proxy.Client.GetAsync("/g");

        Assert.Equal("v1", await graced.Content.ReadAsStringAsync());
        Assert.Matches("^EdgeCache; hit; ttl=-[56]; detail=stale-while-revalidate$", CacheStatus(graced)); // 5 s past max-age
        var watch = System.Diagnostics.Stopwatch.StartNew();
        string body;
        do
        {
            await Task.Delay(50);
            body = await proxy.Client.GetStringAsync("/g");
        }
        while (body != "v2" && watch.Elapsed < TimeSpan.FromSeconds(10));
        Assert.Equal("v2", body);
        Assert.Equal("\"v1\"", _origin.Requests.Last().Headers["If-None-Match"]);
        Assert.Equal(2, _origin.CountFor("/g"));
    }

    [Fact]
    public async Task Get_StaleAndChanged_ReplacesStoredCopy()
    {
        var clock = new HostClock();
        _origin.Clock = clock;
        _origin.RespondWith("v1", ("Cache-Control", "public, max-age=10"), ("ETag", "\"v1\""));
        await using var proxy = await TestProxy.StartAsync(_origin.Address, clock: clock);
        await proxy.Client.GetAsync("/c");
        _origin.RespondWith("v2", ("Cache-Control", "public, max-age=10"), ("ETag", "\"v2\""));
        clock.Advance(TimeSpan.FromSeconds(25)); // past max-age and the default 10 s grace

        var refetched = await proxy.Client.GetAsync("/c");
        var hit = await proxy.Client.GetAsync("/c");

        Assert.Equal("v2", await refetched.Content.ReadAsStringAsync());
        Assert.Contains("fwd-status=200", CacheStatus(refetched));
        Assert.Equal("v2", await hit.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Get_ConditionalClientRequestOnStoredEntry_304FromCache()
    {
        _origin.RespondWith("page", ("Cache-Control", "public, max-age=60"), ("ETag", "\"abc\""));
        await using var proxy = await TestProxy.StartAsync(_origin.Address);
        await proxy.Client.GetAsync("/cond");

        var request = new HttpRequestMessage(HttpMethod.Get, "/cond");
        request.Headers.IfNoneMatch.Add(new EntityTagHeaderValue("\"abc\""));
        var response = await proxy.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotModified, response.StatusCode);
        Assert.Equal("\"abc\"", response.Headers.ETag?.Tag);
        Assert.Equal(1, _origin.RequestCount);
    }

    [Fact]
    public async Task Get_ResponseVariesOnHeader_EachVariantStoredSeparately()
    {
        _origin.Respond(context => _origin.Answer(context, "lang=" + context.Request.Headers.AcceptLanguage,
            ("Cache-Control", "public, max-age=60"), ("Vary", "Accept-Language")));
        await using var proxy = await TestProxy.StartAsync(_origin.Address);

        async Task<(string Body, string Status)> Fetch(string language)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, "/v");
            request.Headers.Add("Accept-Language", language);
            var response = await proxy.Client.SendAsync(request);
            return (await response.Content.ReadAsStringAsync(), CacheStatus(response));
        }

        var en1 = await Fetch("en");
        var fr1 = await Fetch("fr");
        var en2 = await Fetch("en");
        var fr2 = await Fetch("fr");

        Assert.Equal("lang=en", en1.Body);
        Assert.Equal("lang=fr", fr1.Body);
        Assert.Contains("fwd=vary-miss", fr1.Status);
        Assert.Equal(("lang=en", true), (en2.Body, en2.Status.Contains("hit")));
        Assert.Equal(("lang=fr", true), (fr2.Body, fr2.Status.Contains("hit")));
        Assert.Equal(2, _origin.RequestCount);
    }

    [Fact]
    public async Task Get_ConcurrentMisses_ShareOneOriginFetch()
    {
        _origin.Respond(async context =>
        {
            await Task.Delay(500);
            await _origin.Answer(context, "shared", ("Cache-Control", "public, max-age=60"));
        });
        await using var proxy = await TestProxy.StartAsync(_origin.Address);

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => proxy.Client.GetAsync("/hot")));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.All(await Task.WhenAll(responses.Select(r => r.Content.ReadAsStringAsync())), body => Assert.Equal("shared", body));
        Assert.Equal(1, _origin.CountFor("/hot"));
        Assert.Contains(responses, r => CacheStatus(r).Contains("collapsed"));
    }

    [Fact]
    public async Task Get_ConcurrentMissesForPrivatePage_EachReaderGetsOwnResponse()
    {
        var counter = 0;
        _origin.Respond(async context =>
        {
            var n = Interlocked.Increment(ref counter);
            await Task.Delay(300);
            await _origin.Answer(context, $"private-{n}", ("Cache-Control", "private"));
        });
        await using var proxy = await TestProxy.StartAsync(_origin.Address);

        var responses = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => proxy.Client.GetAsync("/me")));
        var bodies = await Task.WhenAll(responses.Select(r => r.Content.ReadAsStringAsync()));

        Assert.Equal(5, _origin.CountFor("/me"));
        Assert.Equal(5, bodies.Distinct().Count());
    }

    [Fact]
    public async Task Get_WithinStaleWhileRevalidate_ServesStaleAtOnceAndRefreshesOnceInBackground()
    {
        var clock = new HostClock();
        _origin.Clock = clock;
        _origin.RespondWith("old", ("Cache-Control", "public, max-age=10, stale-while-revalidate=60"));
        await using var proxy = await TestProxy.StartAsync(_origin.Address, clock: clock);
        await proxy.Client.GetAsync("/swr");
        var refreshed = new TaskCompletionSource();
        _origin.Respond(async context =>
        {
            await Task.Delay(300);
            await _origin.Answer(context, "new", ("Cache-Control", "public, max-age=10, stale-while-revalidate=60"));
            refreshed.TrySetResult();
        });
        clock.Advance(TimeSpan.FromSeconds(20));

        var stale = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => proxy.Client.GetAsync("/swr")));
        await refreshed.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await Eventually(async () => await (await proxy.Client.GetAsync("/swr")).Content.ReadAsStringAsync() == "new", "the condition", 5);

        Assert.All(stale, r => Assert.Contains("detail=stale-while-revalidate", CacheStatus(r)));
        Assert.All(await Task.WhenAll(stale.Select(r => r.Content.ReadAsStringAsync())), body => Assert.Equal("old", body));
        Assert.Equal(2, _origin.CountFor("/swr"));
    }

    [Fact]
    public async Task Get_AfterRestart_ServedFromDisk()
    {
        _origin.RespondWith("persisted", ("Cache-Control", "public, max-age=600"));
        var cacheDir = TempDirectory.Create("edgecache-restart");
        await using (var first = await TestProxy.StartAsync(_origin.Address, cacheDir))
        {
            await first.Client.GetAsync("/keep");
        }

        await using var second = await TestProxy.StartAsync(_origin.Address, cacheDir);
        var response = await second.Client.GetAsync("/keep");

        Assert.Equal("persisted", await response.Content.ReadAsStringAsync());
        Assert.StartsWith("EdgeCache; hit", CacheStatus(response));
        Assert.Equal(1, _origin.RequestCount);
    }

    [Theory]
    [InlineData("corrupt")]
    [InlineData("truncated")]
    public async Task Get_DamagedFileOnDisk_DroppedAndCountedNotServed(string damage)
    {
        _origin.RespondWith("genuine", ("Cache-Control", "public, max-age=600"));
        var cacheDir = TempDirectory.Create("edgecache-damaged");
        await using (var first = await TestProxy.StartAsync(_origin.Address, cacheDir))
        {
            await first.Client.GetAsync("/damaged");
        }
        var file = Assert.Single(Directory.GetFiles(cacheDir, "*.ece", SearchOption.AllDirectories));
        var bytes = await File.ReadAllBytesAsync(file);
        if (damage == "corrupt")
        {
            bytes[Array.LastIndexOf(bytes, (byte)'g')] = (byte)'G'; // a byte of the body: "genuine"
        }
        else
        {
            bytes = bytes[..^10];
        }
        await File.WriteAllBytesAsync(file, bytes);

        await using var second = await TestProxy.StartAsync(_origin.Address, cacheDir);
        await second.Get<DiskStore>().ScanCompletion;
        var response = await second.Client.GetAsync("/damaged");

        Assert.Equal("genuine", await response.Content.ReadAsStringAsync());
        Assert.StartsWith("EdgeCache; fwd=miss", CacheStatus(response));
        Assert.Equal(1, second.Get<DiskStore>().CorruptEntries);
        Assert.False(File.Exists(file) && (await File.ReadAllBytesAsync(file)).SequenceEqual(bytes)); // the damaged file is gone
        Assert.Equal(2, _origin.RequestCount);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Get_ResponseLargerThanMaxObjectSize_StreamedWholeAndNotStored(bool withContentLength)
    {
        var body = new string('x', 300_000);
        _origin.Respond(async context =>
        {
            context.Response.Headers.CacheControl = "public, max-age=60";
            if (withContentLength)
            {
                context.Response.ContentLength = body.Length;
            }
            for (var i = 0; i < body.Length; i += 10_000)
            {
                await context.Response.WriteAsync(body.Substring(i, 10_000));
                await context.Response.Body.FlushAsync();
            }
        });
        await using var proxy = await TestProxy.StartAsync(_origin.Address, extraArgs: "--EdgeCache:Cache:MaxObjectBytes=65536");

        var first = await proxy.Client.GetAsync("/big");
        var second = await proxy.Client.GetAsync("/big");

        Assert.Equal(body, await first.Content.ReadAsStringAsync());
        Assert.Contains("detail=too-large", CacheStatus(first));
        Assert.Equal(body, await second.Content.ReadAsStringAsync());
        Assert.Contains("detail=too-large", CacheStatus(second)); // never stored
        // Each reader: one origin request, captured up to the size limit, the rest streamed through (issue 15).
        Assert.Equal(2, _origin.CountFor("/big"));
    }

    [Theory]
    [InlineData("Cache-Control", "private, max-age=60")]
    [InlineData("Cache-Control", "no-store")]
    [InlineData("Set-Cookie", "session=secret")]
    public async Task Get_PrivateResponse_NeverStored(string header, string value)
    {
        _origin.RespondWith("mine", ("Cache-Control", "public, max-age=60"), (header, value));
        await using var proxy = await TestProxy.StartAsync(_origin.Address);

        await proxy.Client.GetAsync("/p");
        var second = await proxy.Client.GetAsync("/p");

        Assert.StartsWith("EdgeCache; fwd=miss", CacheStatus(second));
        Assert.Equal(2, _origin.RequestCount);
    }

    [Fact]
    public async Task Get_WithAuthorizationAndRuleCacheAuthorizedFalse_BypassesCache()
    {
        _origin.RespondWith("for alice", ("Cache-Control", "public, max-age=60"));
        await using var proxy = await TestProxy.StartAsync(_origin.Address, extraArgs: "--EdgeCache:Rules:0:CacheAuthorized=false");
        var request = new HttpRequestMessage(HttpMethod.Get, "/auth");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "alice");
        var response = await proxy.Client.SendAsync(request);

        var anonymous = await proxy.Client.GetAsync("/auth");

        Assert.Contains("fwd=bypass; detail=authorization", CacheStatus(response));
        Assert.StartsWith("EdgeCache; fwd=miss", CacheStatus(anonymous));
        Assert.Equal(2, _origin.RequestCount);
    }

    [Fact]
    public async Task Post_ForwardedUntouchedWithMethodStatus()
    {
        _origin.Respond(async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            await context.Response.WriteAsync("got " + await reader.ReadToEndAsync());
        });
        await using var proxy = await TestProxy.StartAsync(_origin.Address);

        var response = await proxy.Client.PostAsync("/form", new StringContent("data"));

        Assert.Equal("got data", await response.Content.ReadAsStringAsync());
        Assert.Equal("EdgeCache; fwd=method", CacheStatus(response));
    }

    [Fact]
    public async Task Get_RuleBypass_ForwardsEveryRequest()
    {
        _origin.RespondWith("live", ("Cache-Control", "public, max-age=60"));
        await using var proxy = await TestProxy.StartAsync(_origin.Address, extraArgs: ["--EdgeCache:Rules:0:Paths:0=/live/*", "--EdgeCache:Rules:0:Bypass=true"]);

        await proxy.Client.GetAsync("/live/score");
        var second = await proxy.Client.GetAsync("/live/score");

        Assert.Contains("fwd=bypass; detail=rule", CacheStatus(second));
        Assert.Equal(2, _origin.RequestCount);
    }

    [Fact]
    public async Task Get_RuleTtlAndIgnoredQuery_CachesUncacheableResponseUnderOneKey()
    {
        var clock = new HostClock();
        _origin.Clock = clock;
        _origin.RespondWith("article", ("Cache-Control", "max-age=0"));
        await using var proxy = await TestProxy.StartAsync(_origin.Address, clock: clock, extraArgs:
            ["--EdgeCache:Rules:0:Paths:0=/news/*", "--EdgeCache:Rules:0:Ttl=00:05:00", "--EdgeCache:Rules:0:IgnoreQueryParameters:0=utm_*"]);

        await proxy.Client.GetAsync("/news/1?utm_source=x");
        clock.Advance(TimeSpan.FromMinutes(4));
        var hit = await proxy.Client.GetAsync("/news/1?utm_campaign=y");

        Assert.StartsWith("EdgeCache; hit", CacheStatus(hit));
        Assert.Equal(1, _origin.RequestCount);
    }

    [Fact]
    public async Task Get_OriginErrorWithStoredCopy_ServesStaleAndKeepsCopy()
    {
        var clock = new HostClock();
        _origin.Clock = clock;
        _origin.RespondWith("good", ("Cache-Control", "public, max-age=10, stale-if-error=3600"));
        await using var proxy = await TestProxy.StartAsync(_origin.Address, clock: clock);
        await proxy.Client.GetAsync("/e");
        _origin.Respond(context =>
        {
            context.Response.StatusCode = 503;
            return context.Response.WriteAsync("down");
        });
        clock.Advance(TimeSpan.FromSeconds(60));

        var first = await proxy.Client.GetAsync("/e");
        var second = await proxy.Client.GetAsync("/e");

        Assert.Equal((HttpStatusCode.OK, "good"), (first.StatusCode, await first.Content.ReadAsStringAsync()));
        Assert.Contains("fwd=stale", CacheStatus(first));
        Assert.Equal("good", await second.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Get_StoreFailsAtRunTime_RequestStillSucceeds()
    {
        _origin.RespondWith("fine", ("Cache-Control", "public, max-age=60"));
        await using var proxy = await TestProxy.StartAsync(_origin.Address);
        await proxy.Get<DiskStore>().ScanCompletion;
        Directory.Delete(proxy.CacheDir, recursive: true);
        await File.WriteAllTextAsync(proxy.CacheDir, "not a folder");

        var first = await proxy.Client.GetAsync("/s");
        var second = await proxy.Client.GetAsync("/s");

        Assert.Equal((HttpStatusCode.OK, "fine"), (first.StatusCode, await first.Content.ReadAsStringAsync()));
        Assert.StartsWith("EdgeCache; hit", CacheStatus(second)); // the memory tier still works
        await proxy.Get<TieredStore>().FlushAsync(); // the failed write happens behind the answer
        var metrics = await proxy.Management.GetStringAsync("/metrics");
        Assert.Matches("(?m)^edgecache_store_errors_total\\{tier=\"disk\"\\} [1-9]", metrics);
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("HEAD")]
    public async Task StatusPath_AnsweredByTheEdge_NeverProxied(string method)
    {
        await using var proxy = await TestProxy.StartAsync(_origin.Address);

        var response = await proxy.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), "/_edge/status"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(0, _origin.RequestCount);
    }

    [Fact]
    public async Task Healthz_OnManagementListener_Ok()
    {
        await using var proxy = await TestProxy.StartAsync(_origin.Address);

        var response = await proxy.Management.GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("ok", await response.Content.ReadAsStringAsync());
        Assert.Equal(0, _origin.RequestCount);
    }

}
