using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using EdgeCache.Origin;
using EdgeCache.Tests.Infrastructure;
using Yarp.ReverseProxy;

namespace EdgeCache.Tests.Integration;

/// <summary>
/// The status page tells the truth, on a running EdgeCache in front of real origins whose health
/// the probes find: each state in words, the reader's own site on the public listener, every site
/// on the management one, the incident history, and the operators' notices.
/// </summary>
public sealed class StatusPageTests : IAsyncLifetime
{
    private const string News = "news.example.test";
    private const string Shop = "shop.example.test";
    private const string Token = "status-admin-token-0123456789";
    private readonly List<TestOrigin> _origins = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var origin in _origins)
        {
            await origin.DisposeAsync();
        }
    }

    private async Task<TestOrigin> Origin(string body = "page")
    {
        var origin = await TestOrigin.StartAsync();
        origin.RespondWith(body, ("Cache-Control", "public, max-age=0, stale-if-error=600"));
        _origins.Add(origin);
        return origin;
    }

    /// <summary>EdgeCache with these ReverseProxy settings (after the prefix <c>--ReverseProxy:</c>), fast probes and an admin token.</summary>
    private static Task<TestProxy> Proxy(HostClock? clock = null, params string[] reverseProxy) =>
        TestProxy.StartAsync(null, services: null, clock: clock, extraArgs:
        [
            .. reverseProxy.Select(setting => "--ReverseProxy:" + setting),
            "--EdgeCache:HealthInterval=00:00:00.200",
            "--EdgeCache:HealthTimeout=00:00:00.200",
            "--EdgeCache:Admin:Token=" + Token,
        ]);

    private static string[] Site(string cluster, string? host, params (string Id, TestOrigin Origin, bool Backup)[] destinations) =>
    [
        $"Routes:{cluster}:ClusterId={cluster}",
        $"Routes:{cluster}:Match:Path={{**all}}",
        .. host is null ? Array.Empty<string>() : [$"Routes:{cluster}:Match:Hosts:0={host}"],
        .. destinations.SelectMany(d => d.Backup
            ? new[] { $"Clusters:{cluster}:Destinations:{d.Id}:Address={d.Origin.Address}", $"Clusters:{cluster}:Destinations:{d.Id}:Metadata:{OriginHealth.BackupMetadata}=true" }
            : [$"Clusters:{cluster}:Destinations:{d.Id}:Address={d.Origin.Address}"]),
    ];

    private static async Task<string> Html(HttpClient client, string path, string? host = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.ParseAdd("text/html");
        if (host is not null)
        {
            request.Headers.Host = host;
        }
        using var response = await client.SendAsync(request);
        return await response.Content.ReadAsStringAsync();
    }

    private static async Task<JsonElement> Json(HttpClient client, string path, string? host = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (host is not null)
        {
            request.Headers.Host = host;
        }
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
    }

    private static Task WaitForState(TestProxy proxy, string host, string state) =>
        Eventually(async () => (await Json(proxy.Client, "/_edge/status", host)).GetProperty("state").GetString() == state, $"{host} {state}", 15);

    private static async Task<HttpStatusCode> PostNotice(TestProxy proxy, string json, string? token = Token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/admin/notice") { Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json") };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        using var response = await proxy.Management.SendAsync(request);
        return response.StatusCode;
    }

    [Fact]
    public async Task AllUp_AllSystemsNormal_SiteByItsHost()
    {
        var (a, b) = (await Origin(), await Origin());
        await using var proxy = await Proxy(reverseProxy: Site("newsroom", News, ("alpha", a, false), ("beta", b, false)));

        var json = await Json(proxy.Client, "/_edge/status", News);
        var html = await Html(proxy.Client, "/_edge/status", News);

        Assert.Equal("up", json.GetProperty("state").GetString());
        Assert.Equal(News, json.GetProperty("sites")[0].GetProperty("name").GetString());
        Assert.Contains("<h1 class=\"headline state-up\">All systems normal</h1>", html);
        Assert.Contains($"<h2>{News}</h2>", html);
        Assert.Contains("<td>origin 1</td>", html);
        Assert.Contains("<td>origin 2</td>", html);
        Assert.Contains("No incidents.", html);
        Assert.DoesNotContain("newsroom", html); // the cluster id
        Assert.DoesNotContain("alpha", html); // a destination id
        Assert.DoesNotContain("127.0.0.1", html);
    }

    [Fact]
    public async Task OneOfTwoDestinationsDown_SiteStillServed_NotAllSystemsNormal()
    {
        var (a, b) = (await Origin("from a"), await Origin("from b"));
        await using var proxy = await Proxy(reverseProxy: Site("newsroom", News, ("alpha", a, false), ("beta", b, false)));

        await b.StopAsync();
        await WaitForState(proxy, News, "some-down");
        var html = await Html(proxy.Client, "/_edge/status", News);

        Assert.Contains("Some origin servers are down: site still served", html);
        Assert.DoesNotContain("All systems normal", html);
        Assert.Contains("Origin 2 is down; origin 1 is answering, so the site is still served", html);
        Assert.Matches(@"<td>origin 2</td><td><span class=""down"">down</span> for [^()<]+ \(since \d\d:\d\d UTC\)", html);
        Assert.Matches(@"<li>\d\d:\d\d UTC to ongoing \([^()<]+\): Some origin servers down: site still served</li>", html);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/article");
        request.Headers.Host = News;
        using var served = await proxy.Client.SendAsync(request);
        Assert.Equal("from a", await served.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task PrimaryDown_OnBackup_SaysSoWithItsIncident()
    {
        var (primary, backup) = (await Origin(), await Origin());
        await using var proxy = await Proxy(reverseProxy: Site("newsroom", News, ("main", primary, false), ("mirror", backup, true)));

        await primary.StopAsync();
        await WaitForState(proxy, News, "on-backup");
        var html = await Html(proxy.Client, "/_edge/status", News);

        Assert.Contains("<h1 class=\"headline state-on-backup\">Running on the backup origin</h1>", html);
        Assert.Contains("The main origin is down; the backup origin is answering", html);
        Assert.Contains("<td>backup</td><td><span class=\"up\">up</span>", html);
        Assert.Contains("<td>origin</td><td><span class=\"down\">down</span>", html);
        Assert.Contains("ongoing", html);
        Assert.DoesNotContain("If the origin failed now", html);
    }

    [Fact]
    public async Task AllDown_ServingSavedCopies_CountedNotForecast()
    {
        var origin = await Origin("saved page");
        await using var proxy = await Proxy(reverseProxy: Site("newsroom", News, ("alpha", origin, false)));
        using (var warm = new HttpRequestMessage(HttpMethod.Get, "/stored"))
        {
            warm.Headers.Host = News;
            Assert.Equal("saved page", await (await proxy.Client.SendAsync(warm)).Content.ReadAsStringAsync());
        }

        await origin.StopAsync();
        await WaitForState(proxy, News, "degraded");
        using (var stale = new HttpRequestMessage(HttpMethod.Get, "/stored"))
        {
            stale.Headers.Host = News;
            using var response = await proxy.Client.SendAsync(stale);
            Assert.Contains("fwd=stale", CacheStatus(response));
        }
        var html = await Html(proxy.Client, "/_edge/status", News);
        var json = await Json(proxy.Client, "/_edge/status", News);

        Assert.Contains("<h1 class=\"headline state-degraded\">Site down: serving saved copies</h1>", html);
        Assert.Contains("Readers get the saved copies of pages the edge has (1 saved copy served in the last hour)", html);
        Assert.DoesNotContain("Some origins are down", html);
        Assert.DoesNotContain("If the origin failed now", html);
        Assert.Matches(@"<strong>Down: serving saved copies</strong> for [^()<]+ \(since \d\d:\d\d UTC\)", html);
        Assert.Matches(@"to ongoing \([^()<]+\): Down: serving saved copies, 1 saved copy served</li>", html);
        var site = json.GetProperty("sites")[0];
        Assert.Equal(1, site.GetProperty("staleServedLastHour").GetInt64());
        Assert.Equal(JsonValueKind.Null, site.GetProperty("coveragePercent").ValueKind);
    }

    [Fact]
    public async Task OriginBack_AllSystemsNormal_TheOutageEndedInTheHistory()
    {
        var origin = await Origin();
        await using var proxy = await Proxy(reverseProxy: Site("newsroom", News, ("alpha", origin, false)));
        await origin.StopAsync();
        await WaitForState(proxy, News, "degraded");

        await origin.RestartAsync();
        await WaitForState(proxy, News, "up");
        var html = await Html(proxy.Client, "/_edge/status", News);

        Assert.Contains("All systems normal", html);
        Assert.DoesNotContain("ongoing", html);
        Assert.Matches(@"<li>\d\d:\d\d UTC to \d\d:\d\d UTC \([^()<]+\): Down: serving saved copies</li>", html);
    }

    private async Task<TestProxy> ThreeSites(HostClock? clock = null)
    {
        var (news, shop, rest) = (await Origin(), await Origin(), await Origin());
        return await Proxy(clock, [
            .. Site("newsroom", News, ("n1", news, false)),
            .. Site("store", Shop, ("s1", shop, false)),
            .. Site("fallback", null, ("f1", rest, false)),
        ]);
    }

    [Fact]
    public async Task PublicListener_OnlyTheRequestingHostsSite()
    {
        await using var proxy = await ThreeSites();

        var news = await Json(proxy.Client, "/_edge/status", News);
        var other = await Json(proxy.Client, "/_edge/status", "other.example.test");
        var html = await Html(proxy.Client, "/_edge/status", News);

        Assert.Equal([News], news.GetProperty("sites").EnumerateArray().Select(s => s.GetProperty("name").GetString()));
        Assert.Equal(["other.example.test"], other.GetProperty("sites").EnumerateArray().Select(s => s.GetProperty("name").GetString()));
        Assert.Contains($"<h2>{News}</h2>", html);
        Assert.DoesNotContain(Shop, html);
        Assert.DoesNotContain("other.example.test", html);
    }

    [Fact]
    public async Task PublicListener_OriginDown_NoFailureReason_ManagementListenerHasIt()
    {
        var (a, b) = (await Origin("from a"), await Origin("from b"));
        await using var proxy = await Proxy(reverseProxy: Site("newsroom", News, ("alpha", a, false), ("beta", b, false)));
        var port = b.Address.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

        await b.StopAsync();
        await WaitForState(proxy, News, "some-down");
        var html = await Html(proxy.Client, "/_edge/status", News);
        var json = await Json(proxy.Client, "/_edge/status", News);
        var management = await Html(proxy.Management, "/status");

        Assert.Matches(@"<td>origin 2</td><td><span class=""down"">down</span> for [^()<]+ \(since \d\d:\d\d UTC\)</td>", html);
        Assert.DoesNotContain("probes in a row", html);
        Assert.DoesNotContain(port, html);
        Assert.DoesNotContain(port, json.GetRawText());
        Assert.All(json.GetProperty("sites")[0].GetProperty("origins").EnumerateArray(),
            origin => Assert.Equal(JsonValueKind.Null, origin.GetProperty("reason").ValueKind));
        Assert.Contains("probes in a row", management);
    }

    [Fact]
    public async Task PublicListener_HostWithoutASite_NoOtherSitesStatus()
    {
        var origin = await Origin();
        await using var proxy = await Proxy(reverseProxy: Site("newsroom", News, ("alpha", origin, false)));
        await origin.StopAsync();
        await WaitForState(proxy, News, "degraded");

        var html = await Html(proxy.Client, "/_edge/status", "scanner.example");

        Assert.Contains("No site here", html);
        Assert.DoesNotContain(News, html);
        Assert.DoesNotContain("serving saved copies", html);
    }

    [Fact]
    public async Task ManagementListener_EverySite_HtmlAndJson()
    {
        await using var proxy = await ThreeSites();

        var json = await Json(proxy.Management, "/status");
        var html = await Html(proxy.Management, "/status");

        Assert.Equal(["every other host", News, Shop], json.GetProperty("sites").EnumerateArray().Select(s => s.GetProperty("name").GetString()).Order(StringComparer.Ordinal));
        Assert.Contains($"<h2>{News}</h2>", html);
        Assert.Contains($"<h2>{Shop}</h2>", html);
        Assert.Contains("<h2>every other host</h2>", html);
        Assert.Contains("All systems normal", html);
    }

    [Fact]
    public async Task Notice_OnItsSitesStatusPageAndErrorPage_UntilItExpires()
    {
        var clock = new HostClock();
        await using var proxy = await ThreeSites(clock);
        _origins[0].Respond(context =>
        {
            context.Response.StatusCode = 503; // every page of the news site: the branded 503 page
            return Task.CompletedTask;
        });

        Assert.Equal(HttpStatusCode.Created, await PostNotice(proxy, $$"""{"text":"Planned maintenance <b>tonight</b>","site":"{{News}}","expires":"00:30:00"}"""));
        Assert.Equal(HttpStatusCode.Created, await PostNotice(proxy, """{"text":"Every site: new payment provider"}"""));

        var newsStatus = await Html(proxy.Client, "/_edge/status", News);
        var shopStatus = await Html(proxy.Client, "/_edge/status", Shop);
        var errorPage = await Html(proxy.Client, "/article", News);
        Assert.Contains("<p class=\"notice\">Planned maintenance &lt;b&gt;tonight&lt;/b&gt;</p>", newsStatus);
        Assert.Contains("<p class=\"notice\">Every site: new payment provider</p>", newsStatus);
        Assert.DoesNotContain("Planned maintenance", shopStatus);
        Assert.Contains("Every site: new payment provider", shopStatus);
        Assert.Contains("We'll be right back", errorPage);
        Assert.Contains("<p class=\"notice\">Planned maintenance &lt;b&gt;tonight&lt;/b&gt;</p>", errorPage);
        Assert.Contains("Planned maintenance", (await Html(proxy.Management, "/status")));

        clock.Advance(TimeSpan.FromMinutes(31));

        Assert.DoesNotContain("Planned maintenance", await Html(proxy.Client, "/_edge/status", News));
        Assert.DoesNotContain("Planned maintenance", await Html(proxy.Client, "/article", News));
        Assert.Contains("Every site: new payment provider", await Html(proxy.Client, "/article", News));
    }
}
