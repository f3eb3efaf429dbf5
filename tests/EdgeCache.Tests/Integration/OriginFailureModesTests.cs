using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using EdgeCache.Origin;
using EdgeCache.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace EdgeCache.Tests.Integration;

/// <summary>
/// Degraded mode never misfires: slow is not dead, one failing URL is not a failing site, a
/// flapping origin is used while it is up, a hung origin is declared down in time, and one client
/// cannot take every origin slot. Real origins on loopback; EdgeCache's default health settings
/// unless a test says otherwise.
/// </summary>
public sealed class OriginFailureModesTests : IAsyncLifetime
{
    private TestOrigin _origin = null!;

    public async Task InitializeAsync() => _origin = await TestOrigin.StartAsync();

    public async Task DisposeAsync() => await _origin.DisposeAsync();

    /// <summary>A client whose requests come from <paramref name="address"/> (another loopback address: another reader).</summary>
    private static HttpClient ClientFrom(TestProxy proxy, string address) => new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        UseCookies = false,
        ConnectCallback = async (context, cancellationToken) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Bind(new IPEndPoint(IPAddress.Parse(address), 0));
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    })
    {
        BaseAddress = proxy.Client.BaseAddress,
        Timeout = TimeSpan.FromSeconds(60),
        DefaultRequestHeaders = { Host = TestProxy.PublicHost },
    };

    [Fact]
    public async Task HungOrigin_DefaultSettings_ReaderOfAnUncachedPageGetsTheFriendly503Within15Seconds()
    {
        var release = new TaskCompletionSource();
        async Task Hang(HttpContext context)
        {
            await release.Task.WaitAsync(TimeSpan.FromSeconds(60));
            context.Abort();
        }
        _origin.Respond(Hang);
        _origin.RespondToProbes(Hang);
        await using var proxy = await TestProxy.StartAsync(_origin.Address);
        try
        {
            var watch = Stopwatch.StartNew();
            using var response = await proxy.Client.GetAsync("/uncached");

            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Contains("detail=origin-down", CacheStatus(response));
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), $"the reader waited {watch.Elapsed}");
        }
        finally
        {
            release.TrySetResult();
        }
    }

    [Fact]
    public async Task OriginAnsweringEverythingIn3Seconds_UncachedGetsAndPostsAllGetItsAnswer()
    {
        async Task Slow(HttpContext context)
        {
            await Task.Delay(TimeSpan.FromSeconds(3));
            await context.Response.WriteAsync("slow but fine " + context.Request.Method);
        }
        _origin.Respond(Slow);
        _origin.RespondToProbes(Slow);
        await using var proxy = await TestProxy.StartAsync(_origin.Address, extraArgs: "--EdgeCache:HealthInterval=00:00:00.500");

        // Three rounds of readers, each while probes are also taking 3 s.
        for (var round = 0; round < 3; round++)
        {
            var gets = Enumerable.Range(0, 4).Select(i => proxy.Client.GetAsync($"/slow-{round}-{i}"));
            var posts = Enumerable.Range(0, 2).Select(i => proxy.Client.PostAsync($"/form-{round}-{i}", new StringContent("x")));
            var answers = await Task.WhenAll(gets.Concat(posts));
            foreach (var answer in answers)
            {
                Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
                Assert.StartsWith("slow but fine", await answer.Content.ReadAsStringAsync());
                Assert.DoesNotContain("origin-down", CacheStatus(answer));
            }
        }
        Assert.False(proxy.Get<OriginHealth>().IsDegraded("origin"));
    }

    [Fact]
    public async Task FlappingOrigin_TwoSecondsUpTwoDown_AtLeast40PercentOfUncachedRequestsAnsweredByTheOrigin()
    {
        // Down means the application resets every connection it is given (probes included).
        // Three whole cycles, from the moment EdgeCache is up: half the time the origin can answer.
        var clock = new Stopwatch();
        bool Up() => clock.Elapsed.TotalSeconds % 4 < 2;
        _origin.Respond(context =>
        {
            if (!Up())
            {
                context.Abort();
                return Task.CompletedTask;
            }
            return context.Response.WriteAsync("from the origin");
        });
        _origin.RespondToProbes(context =>
        {
            if (!Up())
            {
                context.Abort();
                return Task.CompletedTask;
            }
            return context.Response.WriteAsync("ok");
        });
        await using var proxy = await TestProxy.StartAsync(_origin.Address);
        clock.Start();

        // Readers at a steady 10 requests a second, each for a page never cached.
        int answered = 0, total = 0;
        for (var i = 0; i < 120; i++)
        {
            var due = TimeSpan.FromMilliseconds(100 * i) - clock.Elapsed;
            if (due > TimeSpan.Zero)
            {
                await Task.Delay(due);
            }
            using var response = await proxy.Client.GetAsync($"/flap-{i}");
            total++;
            if (response.StatusCode == HttpStatusCode.OK && await response.Content.ReadAsStringAsync() == "from the origin")
            {
                answered++;
            }
        }

        Assert.True(answered >= total * 0.4, $"{answered} of {total} uncached requests answered by the origin");
    }

    [Fact]
    public async Task ClientFloodingUniqueUrlsThatAnswer503_OtherReadersAndPostsUnaffected()
    {
        _origin.Respond(context =>
        {
            if (context.Request.Path.StartsWithSegments("/broken"))
            {
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                return context.Response.WriteAsync("broken");
            }
            return context.Response.WriteAsync("fine");
        });
        await using var proxy = await TestProxy.StartAsync(_origin.Address);
        using var attacker = ClientFrom(proxy, "127.0.0.2");
        using var reader = ClientFrom(proxy, "127.0.0.3");

        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(8));
        var flood = Task.Run(async () =>
        {
            var sent = 0;
            while (!stop.IsCancellationRequested && sent < 100)
            {
                using var answer = await attacker.GetAsync($"/broken/{Guid.NewGuid():N}");
                Assert.Equal(HttpStatusCode.ServiceUnavailable, answer.StatusCode); // the origin's own answer, passed through
                sent++;
                await Task.Delay(100); // 10 a second
            }
            return sent;
        });
        int gets = 0, posts = 0, ok = 0;
        while (!flood.IsCompleted)
        {
            using var get = await reader.GetAsync($"/article-{gets++}");
            using var post = await reader.PostAsync("/comment", new StringContent("hello"));
            posts++;
            ok += (get.StatusCode == HttpStatusCode.OK ? 1 : 0) + (post.StatusCode == HttpStatusCode.OK ? 1 : 0);
            await Task.Delay(100);
        }

        Assert.True(await flood > 30, "the flood ran");
        Assert.Equal(gets + posts, ok);
        Assert.False(proxy.Get<OriginHealth>().IsDegraded("origin"));
    }

    [Fact]
    public async Task OneClientHolding400SlowRequests_OtherReadersUncachedPagesStillAnswered()
    {
        var release = new TaskCompletionSource();
        _origin.Respond(async context =>
        {
            if (context.Request.Path.StartsWithSegments("/slow"))
            {
                await release.Task.WaitAsync(TimeSpan.FromSeconds(60));
            }
            await context.Response.WriteAsync("page");
        });
        await using var proxy = await TestProxy.StartAsync(_origin.Address);
        using var hog = ClientFrom(proxy, "127.0.0.4");
        using var reader = ClientFrom(proxy, "127.0.0.5");
        hog.Timeout = TimeSpan.FromSeconds(90);

        var held = Enumerable.Range(0, 400).Select(i => hog.GetAsync($"/slow/{i}")).ToList();
        try
        {
            await Eventually(() => _origin.Requests.Count(r => r.PathAndQuery.StartsWith("/slow/")) >= 32,
                "the client's share of slow requests reaching the origin");
            for (var i = 0; i < 20; i++)
            {
                using var answer = await reader.GetAsync($"/uncached-{i}");
                Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
                Assert.Equal("page", await answer.Content.ReadAsStringAsync());
            }
            Assert.True(_origin.Requests.Count(r => r.PathAndQuery.StartsWith("/slow/")) <= 32,
                "one client holds no more than its share of origin slots");
        }
        finally
        {
            release.TrySetResult();
            await Task.WhenAll(held.Select(async t =>
            {
                try
                {
                    (await t).Dispose();
                }
                catch (HttpRequestException)
                {
                }
            }));
        }
    }
}
