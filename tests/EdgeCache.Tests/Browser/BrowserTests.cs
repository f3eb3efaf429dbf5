using System.Net.Http.Headers;
using System.Text.Json;
using EdgeCache.Origin;
using EdgeCache.Tests.Infrastructure;

namespace EdgeCache.Tests.Browser;

/// <summary>What a reader's browser shows when the origin is down: a real headless Chromium against a running EdgeCache.</summary>
public sealed class BrowserTests : IAsyncLifetime
{
    private TestOrigin _origin = null!;
    private TestProxy _proxy = null!;

    public async Task InitializeAsync()
    {
        _origin = await TestOrigin.StartAsync();
        _proxy = await TestProxy.StartAsync(_origin.Address);
        await _origin.StopAsync();
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _origin.DisposeAsync();
    }

    private Uri Url(string path) => new(new Uri(_proxy.Client.BaseAddress!, path).ToString());

    [Fact]
    public async Task ErrorPage_OriginDown_BrowserRendersBrandedPage()
    {
        var dom = await Chromium.DumpDomAsync(Url("/articles/never-cached"));

        Assert.Contains("<h1>", dom);
        Assert.Contains("Service status", dom);
        Assert.Contains("Try again", dom);
        Assert.Contains("/articles/never-cached", dom);
        var screenshot = Path.Combine(Path.GetTempPath(), "edgecache-error-page.png");
        await Chromium.ScreenshotAsync(Url("/articles/never-cached"), screenshot);
        Assert.True(new FileInfo(screenshot).Length > 5_000, "the screenshot shows a rendered page, not a blank one");
    }

    [Fact]
    public async Task StatusPage_BrowserRendersOriginTable()
    {
        var dom = await Chromium.DumpDomAsync(Url("/_edge/status"));

        Assert.Contains("<table>", dom);
        Assert.Contains("origin", dom);
        Assert.Contains("Last 24 hours", dom);
    }

    /// <summary>
    /// One catch-all site of two destinations (<paramref name="secondIsBackup"/>: the second a backup;
    /// <paramref name="second"/> false: only one), after stopping <paramref name="stop"/> of them
    /// (0: the first, 1: the second, -1: both, null: none).
    /// </summary>
    private static async Task<(TestProxy Proxy, TestOrigin[] Origins)> SiteAsync(bool second, bool secondIsBackup, int? stop)
    {
        var origins = new List<TestOrigin> { await TestOrigin.StartAsync() };
        if (second)
        {
            origins.Add(await TestOrigin.StartAsync());
        }
        foreach (var origin in origins)
        {
            origin.RespondWith("page", ("Cache-Control", "public, max-age=0, stale-if-error=600"));
        }
        var proxy = await TestProxy.StartAsync(null, services: null, extraArgs:
        [
            "--ReverseProxy:Routes:site:ClusterId=site",
            "--ReverseProxy:Routes:site:Match:Path={**all}",
            .. origins.SelectMany((origin, i) => i == 1 && secondIsBackup
                ? new[] { $"--ReverseProxy:Clusters:site:Destinations:d{i}:Address={origin.Address}", $"--ReverseProxy:Clusters:site:Destinations:d{i}:Metadata:{OriginHealth.BackupMetadata}=true" }
                : [$"--ReverseProxy:Clusters:site:Destinations:d{i}:Address={origin.Address}"]),
            "--EdgeCache:HealthInterval=00:00:00.200",
            "--EdgeCache:HealthTimeout=00:00:00.200",
        ]);
        Assert.Equal("page", await proxy.Client.GetStringAsync("/stored"));
        foreach (var (origin, i) in origins.Select((o, i) => (o, i)).Where(o => stop == -1 || stop == o.i))
        {
            await origin.StopAsync();
        }
        return (proxy, origins.ToArray());
    }

    [Theory]
    [InlineData("up", "All systems normal", "Every origin server is answering.")]
    [InlineData("some-down", "Some origin servers are down: site still served", "Origin 2 is down; origin 1 is answering, so the site is still served")]
    [InlineData("on-backup", "Running on the backup origin", "The main origin is down; the backup origin is answering")]
    [InlineData("degraded", "Site down: serving saved copies", "Readers get the saved copies of pages the edge has (1 saved copy served in the last hour)")]
    public async Task StatusPage_EachState_BrowserShowsItsHeadlineAndWhatReadersGet(string state, string headline, string detail)
    {
        var (proxy, origins) = state switch
        {
            "up" => await SiteAsync(second: true, secondIsBackup: false, stop: null),
            "some-down" => await SiteAsync(second: true, secondIsBackup: false, stop: 1),
            "on-backup" => await SiteAsync(second: true, secondIsBackup: true, stop: 0),
            _ => await SiteAsync(second: false, secondIsBackup: false, stop: -1),
        };
        await using var _ = proxy;
        try
        {
            await Eventually(async () =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "/_edge/status");
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
                using var response = await proxy.Client.SendAsync(request);
                return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("state").GetString() == state;
            }, "the site " + state, 15);
            if (state == "degraded")
            {
                Assert.Contains("fwd=stale", CacheStatus(await proxy.Client.GetAsync("/stored")));
            }
            var url = new Uri(proxy.Client.BaseAddress!, "/_edge/status");

            var dom = await Chromium.DumpDomAsync(url);
            var screenshot = Path.Combine(Path.GetTempPath(), $"edgecache-status-{state}.png");
            await Chromium.ScreenshotAsync(url, screenshot);

            Assert.Contains($"<h1 class=\"headline state-{state}\">{headline}</h1>", dom);
            Assert.Contains(detail.Replace("'", "&#x27;"), dom.Replace("'", "&#x27;"));
            Assert.Contains($"<h2>{url.Host}</h2>", dom); // the site by the host asked for, not its cluster id
            Assert.DoesNotContain("d0", dom);
            Assert.Equal(state == "up", dom.Contains("All systems normal"));
            Assert.Equal(state == "up", dom.Contains("No incidents."));
            Assert.True(new FileInfo(screenshot).Length > 5_000, "the screenshot shows a rendered page, not a blank one");
        }
        finally
        {
            foreach (var origin in origins)
            {
                await origin.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task ErrorAndStatusPages_WithANotice_BrowserShowsIt()
    {
        const string token = "browser-admin-token-0123456789";
        await using var proxy = await TestProxy.StartAsync(_origin.Address, extraArgs: "--EdgeCache:Admin:Token=" + token);
        using var post = new HttpRequestMessage(HttpMethod.Post, "/admin/notice")
        {
            Content = new StringContent("""{"text":"We are moving to a new data centre tonight <22:00 UTC>"}""", System.Text.Encoding.UTF8, "application/json"),
        };
        post.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        Assert.Equal(System.Net.HttpStatusCode.Created, (await proxy.Management.SendAsync(post)).StatusCode);

        foreach (var path in new[] { "/_edge/status", "/articles/never-cached" })
        {
            var url = new Uri(proxy.Client.BaseAddress!, path);
            var dom = await Chromium.DumpDomAsync(url);
            var screenshot = Path.Combine(Path.GetTempPath(), $"edgecache-notice-{path.Length}.png");
            await Chromium.ScreenshotAsync(url, screenshot);

            Assert.Contains("<p class=\"notice\">We are moving to a new data centre tonight &lt;22:00 UTC&gt;</p>", dom);
            Assert.True(new FileInfo(screenshot).Length > 5_000, "the screenshot shows a rendered page, not a blank one");
        }
    }
}
