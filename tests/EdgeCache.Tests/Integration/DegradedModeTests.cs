using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using EdgeCache.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace EdgeCache.Tests.Integration;

/// <summary>
/// A real origin on loopback failing in each way it fails in production (refusing, hanging,
/// answering 503, slow, flapping), with EdgeCache's health probes running for real.
/// Stored pages must come back 200 with a stale Cache-Status within the deadline; uncached pages
/// get the friendly page; in degraded mode the origin is left alone; recovery brings fresh content.
/// </summary>
public sealed class DegradedModeTests : IAsyncLifetime
{
    private const string PageCacheControl = "public, max-age=10, stale-if-error=86400";
    private static readonly TimeSpan Deadline = TimeSpan.FromMilliseconds(400);

    private TestOrigin _origin = null!;
    private readonly HostClock _clock = new();
    private TestProxy _proxy = null!;

    public async Task InitializeAsync()
    {
        _origin = await TestOrigin.StartAsync();
        _origin.Clock = _clock;
        _origin.RespondWith("v1", ("Cache-Control", PageCacheControl), ("ETag", "\"v1\""));
        _proxy = await TestProxy.StartAsync(_origin.Address, clock: _clock, extraArgs:
        [
            "--EdgeCache:HealthInterval=00:00:00.200",
            "--EdgeCache:HealthTimeout=00:00:00.200",
            "--EdgeCache:OriginTimeout=00:00:02",
            "--EdgeCache:Degraded:StaleDeadline=" + Deadline.ToString("c"),
        ]);
        // Warm /stored, then let it go stale: only stale-if-error can serve it from now on.
        Assert.Equal("v1", await _proxy.Client.GetStringAsync("/stored"));
        _clock.Advance(TimeSpan.FromSeconds(30));
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _origin.DisposeAsync();
    }


    private async Task<(HttpResponseMessage Response, string Body, TimeSpan Elapsed)> GetAsync(string path, string accept = "text/html")
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.ParseAdd(accept);
        var watch = Stopwatch.StartNew();
        var response = await _proxy.Client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        return (response, body, watch.Elapsed);
    }

    private async Task WaitForDegraded(bool degraded)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(15))
        {
            var json = await _proxy.Client.GetStringAsync("/_edge/status?format=json-probe", CancellationToken.None)
                .ContinueWith(_ => StatusJson(), TaskScheduler.Default).Unwrap();
            if (json.GetProperty("degraded").GetBoolean() == degraded)
            {
                return;
            }
            await Task.Delay(100);
        }
        Assert.Fail($"the edge did not become {(degraded ? "degraded" : "healthy")} within 15 s");
    }

    private async Task<JsonElement> StatusJson()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/_edge/status");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        var response = await _proxy.Client.SendAsync(request);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
    }

    private static void AssertStale(HttpResponseMessage response, string body, params string[] reasons)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("v1", body);
        Assert.Contains("EdgeCache; fwd=stale", CacheStatus(response));
        Assert.Contains(reasons, reason => CacheStatus(response).Contains($"detail={reason}"));
        Assert.NotNull(response.Headers.Age);
    }

    private async Task ExpectStale(string path, string reason)
    {
        var (response, body, _) = await GetAsync(path);
        AssertStale(response, body, reason);
    }

    private static void AssertFriendlyPage(HttpResponseMessage response, string body, params HttpStatusCode[] statuses)
    {
        Assert.Contains(response.StatusCode, statuses);
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.True(response.Headers.CacheControl?.NoStore);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Service status", body); // rendered from the templates, not a blank page
    }

    /// <summary>Every page request gets this status and body; the health probes still pass.</summary>
    private void AnswerEveryPage(int status, string body) => _origin.Respond(context =>
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsync(body);
    });

    private async Task RecoverAndExpectFreshContent()
    {
        _origin.RespondWith("v2", ("Cache-Control", PageCacheControl), ("ETag", "\"v2\""));
        _origin.RespondToProbes(context => context.Response.WriteAsync("ok"));
        await WaitForDegraded(false);
        _clock.Advance(TimeSpan.FromSeconds(61)); // past any per-URL backoff (at most 60 s)
        var (response, body, _) = await GetAsync("/stored");
        Assert.Equal((HttpStatusCode.OK, "v2"), (response.StatusCode, body));
    }

    [Fact]
    public async Task OriginRefuses_StoredServedStaleUncachedGetsPageThenDegradedLeavesOriginAlone()
    {
        await _origin.StopAsync();

        var stale = await GetAsync("/stored");
        var uncached = await GetAsync("/never-stored");

        AssertStale(stale.Response, stale.Body, "origin-down");
        AssertFriendlyPage(uncached.Response, uncached.Body, HttpStatusCode.BadGateway, HttpStatusCode.ServiceUnavailable);

        await WaitForDegraded(true);
        var degraded = await GetAsync("/stored");
        var degradedUncached = await GetAsync("/never-stored");
        AssertStale(degraded.Response, degraded.Body, "origin-down");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, degradedUncached.Response.StatusCode);

        await _origin.RestartAsync();
        await RecoverAndExpectFreshContent();
    }

    [Fact]
    public async Task OriginHangs_StaleWithinDeadlineNoContactOnceDegraded()
    {
        // A hung origin never answers; when the test ends the hang, the connections are reset (as a
        // timeout or restart would), never answered with an empty page.
        var release = new TaskCompletionSource();
        async Task Hang(HttpContext context)
        {
            await release.Task;
            context.Abort();
        }
        _origin.Respond(Hang);
        _origin.RespondToProbes(Hang);
        try
        {
            var stale = await GetAsync("/stored");
            AssertStale(stale.Response, stale.Body, "deadline", "origin-down");
            Assert.True(stale.Elapsed < Deadline + TimeSpan.FromSeconds(1), $"waited {stale.Elapsed}");

            var uncached = await GetAsync("/never-stored");
            AssertFriendlyPage(uncached.Response, uncached.Body, HttpStatusCode.ServiceUnavailable);
            // Released when the probes declared the origin dead, not held to the 2 s origin timeout.
            Assert.True(uncached.Elapsed < TimeSpan.FromSeconds(1.8), $"the reader of an uncached page waited {uncached.Elapsed}");

            await WaitForDegraded(true);
            var before = _origin.RequestCount;
            for (var i = 0; i < 10; i++)
            {
                var again = await GetAsync("/stored");
                AssertStale(again.Response, again.Body, "origin-down");
                Assert.True(again.Elapsed < TimeSpan.FromMilliseconds(500), $"waited {again.Elapsed} in degraded mode");
            }
            Assert.Equal(before, _origin.RequestCount);
        }
        finally
        {
            release.TrySetResult();
        }
        await RecoverAndExpectFreshContent();
    }

    [Fact]
    public async Task Origin503_StaleServedAndStoredCopyIntact()
    {
        _origin.Respond(context =>
        {
            context.Response.StatusCode = 503;
            context.Response.Headers.CacheControl = "max-age=600";
            return context.Response.WriteAsync("origin is overloaded");
        });

        for (var i = 0; i < 3; i++)
        {
            var stale = await GetAsync("/stored");
            AssertStale(stale.Response, stale.Body, "origin-error");
        }
        var uncached = await GetAsync("/never-stored");
        AssertFriendlyPage(uncached.Response, uncached.Body, HttpStatusCode.ServiceUnavailable);
        Assert.DoesNotContain("overloaded", uncached.Body);

        await RecoverAndExpectFreshContent();
    }

    [Fact]
    public async Task Origin503OnEveryPageWhileProbesPass_SiteStaysUp_EachFailingUrlBacksOff()
    {
        // The health endpoint still answers 200, but every page is a 503: that is each URL's
        // failure, not the site's. Uncached pages keep reaching the origin (its answer passes
        // through); a stored page is served stale and its URL backs off 1 s, 2 s, 4 s, ...
        AnswerEveryPage(503, "origin is overloaded");
        var warmed = _origin.CountFor("/stored");

        for (var i = 0; i < 12; i++)
        {
            var before = _origin.RequestCount;
            var uncached = await GetAsync($"/never-stored-{i}");
            Assert.Equal(before + 1, _origin.RequestCount);
            AssertFriendlyPage(uncached.Response, uncached.Body, HttpStatusCode.ServiceUnavailable);
        }
        var api = await GetAsync("/never-stored-api", "application/json");
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "origin is overloaded"), (api.Response.StatusCode, api.Body));
        Assert.False((await StatusJson()).GetProperty("degraded").GetBoolean());

        for (var i = 0; i < 20; i++)
        {
            var stale = await GetAsync("/stored");
            AssertStale(stale.Response, stale.Body, "origin-error");
        }
        Assert.Equal(1, _origin.CountFor("/stored") - warmed);

        _clock.Advance(TimeSpan.FromSeconds(1.1)); // the first backoff (1 s) is over: one more try
        for (var i = 0; i < 5; i++)
        {
            await ExpectStale("/stored", "origin-error");
        }
        Assert.Equal(2, _origin.CountFor("/stored") - warmed);

        _clock.Advance(TimeSpan.FromSeconds(1.1)); // within the second (2 s)
        await ExpectStale("/stored", "origin-error");
        Assert.Equal(2, _origin.CountFor("/stored") - warmed);

        _clock.Advance(TimeSpan.FromSeconds(1));
        await ExpectStale("/stored", "origin-error");
        Assert.Equal(3, _origin.CountFor("/stored") - warmed);

        await RecoverAndExpectFreshContent();
    }

    [Fact]
    public async Task Origin503WithRetryAfter_UrlLeftAloneThatLong()
    {
        _origin.Respond(context =>
        {
            context.Response.StatusCode = 503;
            context.Response.Headers.RetryAfter = "30";
            return context.Response.WriteAsync("maintenance");
        });
        var warmed = _origin.CountFor("/stored");

        await ExpectStale("/stored", "origin-error");
        _clock.Advance(TimeSpan.FromSeconds(29));
        await ExpectStale("/stored", "origin-error");
        Assert.Equal(1, _origin.CountFor("/stored") - warmed);

        _clock.Advance(TimeSpan.FromSeconds(2));
        await ExpectStale("/stored", "origin-error");
        Assert.Equal(2, _origin.CountFor("/stored") - warmed);
    }

    [Fact]
    public async Task Origin500OnEveryPage_OneBrokenPageNeverTakesTheSiteOut()
    {
        AnswerEveryPage(500, "exception in the page template");

        for (var i = 0; i < 20; i++)
        {
            await GetAsync($"/broken-{i}");
        }

        Assert.False((await StatusJson()).GetProperty("degraded").GetBoolean());
        var stale = await GetAsync("/stored");
        AssertStale(stale.Response, stale.Body, "origin-error"); // the origin was asked, not skipped
    }

    [Fact]
    public async Task OriginSlow_StaleAfterDeadlineThenBackgroundFetchRefreshes()
    {
        _origin.Respond(async context =>
        {
            await Task.Delay(1500);
            await _origin.Answer(context, "v2", ("Cache-Control", PageCacheControl), ("ETag", "\"v2\""));
        });

        var stale = await GetAsync("/stored");

        AssertStale(stale.Response, stale.Body, "deadline");
        // Well before the origin's 1.5 s answer (with room for a busy 2-core machine running the suite).
        Assert.True(stale.Elapsed < Deadline + TimeSpan.FromMilliseconds(1000), $"waited {stale.Elapsed}");
        await Eventually(async () => (await GetAsync("/stored")).Body == "v2", "the background fetch storing v2", 10);
        Assert.Equal(2, _origin.CountFor("/stored")); // the warm-up and the one background fetch
    }

    [Fact]
    public async Task OriginFlapping_EveryReaderGetsThePage()
    {
        var n = 0;
        _origin.Respond(context =>
        {
            if (Interlocked.Increment(ref n) % 2 == 0)
            {
                context.Response.StatusCode = 503;
                return Task.CompletedTask;
            }
            return _origin.Answer(context, "v1", ("Cache-Control", "public, max-age=0, stale-if-error=86400"), ("ETag", "\"v1\""));
        });
        _origin.RespondToProbes(context =>
        {
            context.Response.StatusCode = Interlocked.Increment(ref n) % 3 == 0 ? 503 : 200;
            return Task.CompletedTask;
        });

        for (var i = 0; i < 20; i++)
        {
            var (response, body, _) = await GetAsync("/stored");
            Assert.Equal((HttpStatusCode.OK, "v1"), (response.StatusCode, body));
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task ErrorPage_JsonClient_GetsProblemDetails()
    {
        await _origin.StopAsync();

        var (response, body, _) = await GetAsync("/api/never-stored", "application/json");

        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal((int)response.StatusCode, problem.GetProperty("status").GetInt32());
        Assert.Equal("/api/never-stored", problem.GetProperty("instance").GetString());
        Assert.NotNull(response.Headers.RetryAfter);
    }

    [Fact]
    public async Task ErrorPage_PlainClient_GetsText()
    {
        await _origin.StopAsync();

        var (response, body, _) = await GetAsync("/x", "*/*");

        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith(((int)response.StatusCode).ToString(), body);
    }

    [Fact]
    public async Task Post_OriginDown_FriendlyPageNotEmpty()
    {
        await _origin.StopAsync();
        var request = new HttpRequestMessage(HttpMethod.Post, "/comment") { Content = new StringContent("hi") };
        request.Headers.Accept.ParseAdd("text/html");

        var response = await _proxy.Client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();

        AssertFriendlyPage(response, body, HttpStatusCode.BadGateway, HttpStatusCode.ServiceUnavailable);
    }

    [Fact]
    public async Task StatusPage_OriginDown_ShowsDegradedSinceAndStaleCount()
    {
        await _origin.StopAsync();
        await GetAsync("/stored");
        await WaitForDegraded(true);

        var status = await StatusJson();
        var site = status.GetProperty("sites")[0];
        var html = await GetAsync("/_edge/status");

        Assert.True(site.GetProperty("degraded").GetBoolean());
        Assert.False(site.GetProperty("origins")[0].GetProperty("up").GetBoolean());
        Assert.True(status.GetProperty("staleServedLastHour").GetInt64() >= 1);
        Assert.DoesNotContain("127.0.0.1", status.ToString()); // no origin addresses
        Assert.Contains("Site down: serving saved copies", html.Body);
    }
}
