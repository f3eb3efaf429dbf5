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
                return context.Response.WriteAsync(name);
            });
        }
    }

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
    }

    [Theory]
    [InlineData("HashCookie")]
    [InlineData("Cookie")]
    public async Task ASignedInReader_StaysOnOneServer_AndSharedPagesStayShared(string policy)
    {
        await using var proxy = await TestProxy.StartAsync(origin: null, services: null, extraArgs:
        [
            "--ReverseProxy:Routes:site:ClusterId=site",
            "--ReverseProxy:Routes:site:Match:Path={**all}",
            "--ReverseProxy:Clusters:site:LoadBalancingPolicy=RoundRobin",
            "--ReverseProxy:Clusters:site:SessionAffinity:Enabled=true",
            "--ReverseProxy:Clusters:site:SessionAffinity:Policy=" + policy,
            "--ReverseProxy:Clusters:site:SessionAffinity:AffinityKeyName=.Affinity",
            "--ReverseProxy:Clusters:site:Destinations:a:Address=" + _a.Address,
            "--ReverseProxy:Clusters:site:Destinations:b:Address=" + _b.Address,
        ]);

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
