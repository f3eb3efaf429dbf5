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
}
