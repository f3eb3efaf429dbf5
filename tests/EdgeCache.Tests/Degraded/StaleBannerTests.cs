using Microsoft.Extensions.Time.Testing;
using System.Text;
using EdgeCache.Degraded;
using EdgeCache.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace EdgeCache.Tests.Degraded;

public sealed class StaleBannerTests
{
    [Fact]
    public void Inject_BodyTagWithAttributes_BannerRightAfterIt()
    {
        var result = StaleBanner.Inject("<html><BODY class=\"x\"><p>hi</p></BODY></html>"u8, "<div>B</div>"u8);

        Assert.Equal("<html><BODY class=\"x\"><div>B</div><p>hi</p></BODY></html>", Encoding.UTF8.GetString(result!));
    }

    [Fact]
    public void Inject_NoBodyTag_Null() => Assert.Null(StaleBanner.Inject("just text"u8, "<div>B</div>"u8));

    [Fact]
    public async Task StalePage_RuleAsksForBanner_ReaderSeesNoticeAndPage()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var origin = await TestOrigin.StartAsync();
        origin.Clock = clock;
        origin.RespondWith("<html><body><p>The article</p></body></html>", ("Cache-Control", "public, max-age=60"), ("Content-Type", "text/html; charset=utf-8"));
        await using var proxy = await TestProxy.StartAsync(origin.Address, clock: clock, extraArgs: ["--EdgeCache:Rules:0:StaleBanner=true"]);
        await proxy.Client.GetStringAsync("/article");
        origin.Respond(context =>
        {
            context.Response.StatusCode = 503;
            return Task.CompletedTask;
        });
        clock.Advance(TimeSpan.FromMinutes(10));

        var response = await proxy.Client.GetAsync("/article");
        var body = await response.Content.ReadAsStringAsync();

        Assert.Contains("You are reading a copy saved 10 minutes ago", body.Replace("\n", " ").Replace("  ", " "));
        Assert.Contains("<p>The article</p>", body);
        Assert.Equal(Encoding.UTF8.GetByteCount(body), response.Content.Headers.ContentLength);
    }
}
