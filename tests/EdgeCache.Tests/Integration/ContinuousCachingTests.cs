using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using EdgeCache.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace EdgeCache.Tests.Integration;

/// <summary>Warming from sitemaps, outage coverage, refresh-ahead and origin protection, against a real origin.</summary>
public sealed class ContinuousCachingTests : IAsyncLifetime
{
    private const string Token = "test-admin-token-0123456789";
    private const string PageCacheControl = "public, max-age=60, stale-if-error=86400";
    private TestOrigin _origin = null!;

    public async Task InitializeAsync() => _origin = await TestOrigin.StartAsync();

    public async Task DisposeAsync() => await _origin.DisposeAsync();

    private static string Url(string path) => $"http://{TestProxy.PublicHost}{path}";



    /// <summary>A site with a sitemap index: one gzip urlset of <paramref name="pages"/> pages and one malformed sitemap.</summary>
    private void ServeSite(int pages)
    {
        var urlset = new StringBuilder("<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">");
        for (var i = 0; i < pages; i++)
        {
            urlset.Append($"<url><loc>{Url($"/article/{i}")}</loc></url>");
        }
        urlset.Append("</urlset>");
        using var gz = new MemoryStream();
        using (var gzip = new GZipStream(gz, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(Encoding.UTF8.GetBytes(urlset.ToString()));
        }
        var gzipped = gz.ToArray();
        _origin.Respond(context =>
        {
            switch (context.Request.Path.Value)
            {
                case "/sitemap.xml":
                    return _origin.Answer(context, $"""
                        <sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
                          <sitemap><loc>{Url("/sitemap-articles.xml.gz")}</loc></sitemap>
                          <sitemap><loc>{Url("/sitemap-broken.xml")}</loc></sitemap>
                        </sitemapindex>
                        """, ("Cache-Control", "no-store"));
                case "/sitemap-articles.xml.gz":
                    context.Response.Headers.CacheControl = "no-store";
                    return context.Response.Body.WriteAsync(gzipped).AsTask();
                case "/sitemap-broken.xml":
                    return _origin.Answer(context, "<urlset><url><loc>never closed", ("Cache-Control", "no-store"));
                default:
                    return _origin.Answer(context, "page " + context.Request.Path, ("Cache-Control", PageCacheControl));
            }
        });
    }

    private int ArticleRequests => _origin.Requests.Count(r => r.PathAndQuery.StartsWith("/article/", StringComparison.Ordinal));

    [Fact]
    public async Task Warming_FromSitemapAtConfiguredRate_ThenOriginStops_EverySitemapUrlServed()
    {
        const int pages = 40;
        ServeSite(pages);
        var watch = Stopwatch.StartNew();
        await using var proxy = await TestProxy.StartAsync(_origin.Address, extraArgs:
        [
            "--EdgeCache:Warming:Sitemaps:0=" + Url("/sitemap.xml"),
            "--EdgeCache:Warming:RequestsPerSecond=20",
            "--EdgeCache:Warming:Concurrency=2",
        ]);

        await Eventually(() => ArticleRequests == pages, $"all {pages} sitemap pages asked of the origin");
        var elapsed = watch.Elapsed;
        // The origin has seen every request; the warmer has its answers (so they are stored) once it counted them.
        await Eventually(async () => (await proxy.Management.GetStringAsync("/metrics")).Contains($"edgecache_warm_requests_total{{result=\"ok\"}} {pages}\n"),
            $"all {pages} sitemap pages warmed");
        await _origin.StopAsync();
        var served = 0;
        for (var i = 0; i < pages; i++)
        {
            var response = await proxy.Client.GetAsync($"/article/{i}");
            if (response.StatusCode == HttpStatusCode.OK && await response.Content.ReadAsStringAsync() == $"page /article/{i}")
            {
                served++;
            }
        }

        Assert.True(elapsed >= TimeSpan.FromSeconds((pages - 1) / 20.0), $"{pages} pages warmed in {elapsed}: faster than 20/s");
        Assert.Equal(pages, served); // the drill: origin stopped, every sitemap URL still served
    }

    [Fact]
    public async Task Warming_OriginDown_PausedUntilRecovery()
    {
        ServeSite(5);
        var healthy = 1;
        _origin.RespondToProbes(context =>
        {
            context.Response.StatusCode = Volatile.Read(ref healthy) == 1 ? 200 : 503;
            return Task.CompletedTask;
        });
        await using var proxy = await TestProxy.StartAsync(_origin.Address, extraArgs:
        [
            "--EdgeCache:Warming:Sitemaps:0=" + Url("/sitemap.xml"),
            "--EdgeCache:Warming:Interval=00:00:00.300",
            "--EdgeCache:Warming:RequestsPerSecond=50",
            "--EdgeCache:HealthInterval=00:00:00.100",
            "--EdgeCache:HealthTimeout=00:00:00.100",
        ]);
        async Task<double> WarmRequests()
        {
            var scrape = await proxy.Management.GetStringAsync("/metrics");
            var line = scrape.Split('\n').FirstOrDefault(l => l.StartsWith("edgecache_warm_requests_total{result=\"ok\"}", StringComparison.Ordinal));
            return line is null ? 0 : double.Parse(line.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        }
        async Task<bool> Degraded() => (await proxy.Management.GetStringAsync("/metrics")).Contains("edgecache_degraded{site=\"origin\"} 1");

        await Eventually(async () => await WarmRequests() >= 5, "the first warming cycle");
        Volatile.Write(ref healthy, 0);
        await Eventually(Degraded, "the origin marked down");
        await Task.Delay(500); // a cycle already running ends
        var before = await WarmRequests();
        await Task.Delay(1500);
        var whileDown = await WarmRequests() - before;
        Volatile.Write(ref healthy, 1);
        await Eventually(async () => await WarmRequests() > before, "warming resuming after recovery");

        Assert.Equal(0, whileDown);
    }


    [Fact]
    public async Task Coverage_TwentyUrlsFifteenCached_RatioIsTheVolumeShare()
    {
        _origin.Respond(context => _origin.Answer(context, "x",
            ("Cache-Control", context.Request.Path.StartsWithSegments("/live") ? "no-store" : PageCacheControl)));
        var clock = new HostClock();
        _origin.Clock = clock;
        await using var proxy = await TestProxy.StartAsync(_origin.Address, clock: clock, extraArgs: ["--EdgeCache:Admin:Token=" + Token]);
        for (var i = 0; i < 20; i++)
        {
            var path = i < 15 ? $"/cached/{i}" : $"/live/{i}";
            for (var n = 0; n < (i % 3) + 1; n++) // uneven volumes: 1, 2 or 3 requests
            {
                await proxy.Client.GetAsync(path);
            }
        }
        var expected = Enumerable.Range(0, 15).Sum(i => (i % 3) + 1) / (double)Enumerable.Range(0, 20).Sum(i => (i % 3) + 1);

        var request = new HttpRequestMessage(HttpMethod.Get, "/admin/coverage");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        var report = await (await proxy.Management.SendAsync(request)).Content.ReadFromJsonAsync<JsonElement>();
        var metrics = await proxy.Management.GetStringAsync("/metrics");

        Assert.Equal(expected, report.GetProperty("sites")[0].GetProperty("ratio").GetDouble(), 3);
        Assert.Equal(5, report.GetProperty("topUncovered").GetArrayLength());
        Assert.All(report.GetProperty("topUncovered").EnumerateArray(), u => Assert.Contains("/live/", u.GetProperty("url").GetString()));
        Assert.Contains("edgecache_outage_coverage_ratio{site=\"origin\"}", metrics);
    }

    [Fact]
    public async Task Spike_200ConcurrentReadersOnOneExpiredPage_OneOriginRequest()
    {
        var clock = new HostClock();
        _origin.Clock = clock;
        _origin.Respond(async context =>
        {
            await Task.Delay(300);
            await _origin.Answer(context, "hot", ("Cache-Control", "public, max-age=10"), ("ETag", "\"hot\""));
        });
        await using var proxy = await TestProxy.StartAsync(_origin.Address, clock: clock);
        await proxy.Client.GetStringAsync("/viral");
        clock.Advance(TimeSpan.FromSeconds(30));

        var responses = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => proxy.Client.GetAsync("/viral")));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(2, _origin.CountFor("/viral")); // the first fetch and one revalidation for all 200
    }

    [Fact]
    public async Task ConcurrencyCap_SlowOrigin_NeverMoreThanFourInFlightAndNoReaderTimesOut()
    {
        var inFlight = 0;
        var maxInFlight = 0;
        _origin.Respond(async context =>
        {
            var now = Interlocked.Increment(ref inFlight);
            int seen;
            while (now > (seen = Volatile.Read(ref maxInFlight)) && Interlocked.CompareExchange(ref maxInFlight, now, seen) != seen)
            {
            }
            try
            {
                await Task.Delay(700);
                await _origin.Answer(context, "slow page", ("Cache-Control", PageCacheControl));
            }
            finally
            {
                Interlocked.Decrement(ref inFlight);
            }
        });
        await using var proxy = await TestProxy.StartAsync(_origin.Address, extraArgs:
            ["--EdgeCache:OriginProtection:MaxConcurrentRequests=4", "--EdgeCache:OriginProtection:QueueLength=4"]);
        using var client = new HttpClient { BaseAddress = proxy.Client.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };

        var responses = await Task.WhenAll(Enumerable.Range(0, 30).Select(i => client.GetAsync($"/slow/{i}")));

        Assert.InRange(maxInFlight, 1, 4);
        Assert.All(responses, r => Assert.Contains(r.StatusCode, new[] { HttpStatusCode.OK, HttpStatusCode.ServiceUnavailable }));
        Assert.Contains(responses, r => r.StatusCode == HttpStatusCode.ServiceUnavailable && r.Headers.RetryAfter is not null);
        Assert.Contains(responses, r => r.StatusCode == HttpStatusCode.OK);
    }

    [Fact]
    public async Task RefreshAhead_PopularPageNearExpiry_RevalidatedBeforeItGoesStale()
    {
        var clock = new HostClock();
        _origin.Clock = clock;
        _origin.RespondWith("popular", ("Cache-Control", "public, max-age=100"), ("ETag", "\"p1\""));
        await using var proxy = await TestProxy.StartAsync(_origin.Address, clock: clock);
        for (var i = 0; i < 5; i++)
        {
            await proxy.Client.GetAsync("/popular");
        }
        clock.Advance(TimeSpan.FromSeconds(95)); // 5% of its freshness left

        var hit = await proxy.Client.GetAsync("/popular");
        await Eventually(() => _origin.CountFor("/popular") == 2, "the background revalidation");

        Assert.StartsWith("EdgeCache; hit", CacheStatus(hit));
        Assert.Equal("\"p1\"", _origin.Requests.Last().Headers["If-None-Match"]); // conditional: an unchanged page costs a 304
        clock.Advance(TimeSpan.FromSeconds(10)); // past the original expiry
        Assert.StartsWith("EdgeCache; hit", CacheStatus(await proxy.Client.GetAsync("/popular")));
    }

    [Fact]
    public async Task ClientRateLimit_Exceeded_Friendly429()
    {
        _origin.RespondWith("ok", ("Cache-Control", PageCacheControl));
        await using var proxy = await TestProxy.StartAsync(_origin.Address, extraArgs:
            ["--EdgeCache:OriginProtection:ClientRequestsPerSecond=1", "--EdgeCache:OriginProtection:ClientBurst=1"]);

        var responses = new List<HttpResponseMessage>();
        for (var i = 0; i < 5; i++)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, "/limited");
            request.Headers.Accept.ParseAdd("text/html");
            responses.Add(await proxy.Client.SendAsync(request));
        }

        // Burst 1 + 1 per second: the first two pass, then the bucket is empty.
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK], responses.Take(2).Select(r => r.StatusCode));
        var limited = responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.NotEmpty(limited);
        Assert.All(responses.Skip(2), r => Assert.Contains(r.StatusCode, new[] { HttpStatusCode.OK, HttpStatusCode.TooManyRequests }));
        foreach (var response in limited)
        {
            Assert.NotNull(response.Headers.RetryAfter);
            Assert.Contains("Service status", await response.Content.ReadAsStringAsync());
        }
    }
}
