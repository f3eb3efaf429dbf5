using System.Net;
using Microsoft.AspNetCore.Http;
using EdgeCache.Tests.Infrastructure;

namespace EdgeCache.Tests.Integration;

/// <summary>
/// YARP's session affinity through EdgeCache: a signed-in reader stays on the origin server that
/// holds their session, with the <c>HashCookie</c> policy as with <c>Cookie</c>.
/// </summary>
public sealed class SessionAffinityTests : IAsyncLifetime
{
    private TestOrigin _a = null!;
    private TestOrigin _b = null!;

    public async Task InitializeAsync()
    {
        _a = await TestOrigin.StartAsync();
        _b = await TestOrigin.StartAsync();
        foreach (var (origin, name) in new[] { (_a, "server a"), (_b, "server b") })
        {
            origin.Respond(context =>
            {
                context.Response.Headers.CacheControl = context.Request.Path.StartsWithSegments("/news") ? "public, max-age=60" : "private";
                if (context.Request.Path == "/signin-callback")
                {
                    context.Response.Headers.SetCookie = "session=" + name.Replace(' ', '-');
                }
                return context.Response.WriteAsync(name);
            });
        }
    }

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
    }

    private static Task<TestProxy> StartProxy(TestOrigin a, TestOrigin b, string policy) =>
        TestProxy.StartAsync(origin: null, services: null, extraArgs:
        [
            "--ReverseProxy:Routes:site:ClusterId=site",
            "--ReverseProxy:Routes:site:Match:Path={**all}",
            "--ReverseProxy:Clusters:site:LoadBalancingPolicy=RoundRobin",
            "--ReverseProxy:Clusters:site:SessionAffinity:Enabled=true",
            "--ReverseProxy:Clusters:site:SessionAffinity:Policy=" + policy,
            "--ReverseProxy:Clusters:site:SessionAffinity:AffinityKeyName=.Affinity",
            "--ReverseProxy:Clusters:site:Destinations:a:Address=" + a.Address,
            "--ReverseProxy:Clusters:site:Destinations:b:Address=" + b.Address,
        ]);

    [Theory]
    [InlineData("HashCookie")]
    [InlineData("Cookie")]
    public async Task ASessionStartedByAGet_StaysOnTheServerThatStartedIt(string policy)
    {
        await using var proxy = await StartProxy(_a, _b, policy);

        // A sign-in callback is a GET: the cache fetches it for this reader alone, and the reader
        // still gets the affinity cookie naming the server that holds the new session.
        using var callback = await proxy.Client.GetAsync("/signin-callback?code=xyz");
        var server = await callback.Content.ReadAsStringAsync();
        var cookies = callback.Headers.GetValues("Set-Cookie").ToArray();
        Assert.Contains(cookies, c => c.StartsWith("session=", StringComparison.Ordinal));
        Assert.Contains(cookies, c => c.StartsWith(".Affinity=", StringComparison.Ordinal));

        var cookieHeader = string.Join("; ", cookies.Select(c => c.Split(';')[0]));
        for (var i = 0; i < 6; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/account?i={i}");
            request.Headers.Add("Cookie", cookieHeader);
            using var response = await proxy.Client.SendAsync(request);
            Assert.Equal(server, await response.Content.ReadAsStringAsync());
        }
    }

    [Theory]
    [InlineData("HashCookie")]
    [InlineData("Cookie")]
    public async Task ASignedInReader_StaysOnOneServer_AndSharedPagesStayShared(string policy)
    {
        await using var proxy = await StartProxy(_a, _b, policy);

        // Without the cookie, round robin spreads readers over both servers.
        var spread = new HashSet<string>();
        for (var i = 0; i < 4; i++)
        {
            spread.Add(await proxy.Client.GetStringAsync($"/account?i={i}"));
        }
        Assert.Equal(["server a", "server b"], spread.Order());

        // Signing in goes to one server, which the affinity cookie names from then on.
        using var signIn = await proxy.Client.PostAsync("/sign-in", new StringContent("user=ann"));
        Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
        var server = await signIn.Content.ReadAsStringAsync();
        var cookie = Assert.Single(signIn.Headers.GetValues("Set-Cookie"), c => c.StartsWith(".Affinity=", StringComparison.Ordinal));
        for (var i = 0; i < 6; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/account?again={i}");
            request.Headers.Add("Cookie", cookie.Split(';')[0]);
            using var response = await proxy.Client.SendAsync(request);
            Assert.Equal(server, await response.Content.ReadAsStringAsync());
        }

        // A public page is a shared copy: cached, and it hands out no one's affinity cookie.
        using var miss = await proxy.Client.GetAsync("/news/today");
        using var hit = await proxy.Client.GetAsync("/news/today");
        Assert.StartsWith("EdgeCache; hit", CacheStatus(hit));
        Assert.False(miss.Headers.Contains("Set-Cookie"));
        Assert.False(hit.Headers.Contains("Set-Cookie"));
    }
}
