using EdgeCache.Origin;
using EdgeCache.Status;
using EdgeCache.Templates;
using Microsoft.Extensions.Time.Testing;

namespace EdgeCache.Tests.Status;

/// <summary>Each site state's words, decided in C# with a manual clock: the page never says "All systems normal" above a red row.</summary>
public sealed class StatusPageBuilderTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 24, 14, 2, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _clock = new(Start);

    private static OriginHealth.DestinationStatus Destination(string id, bool up, DateTimeOffset since, bool backup = false) =>
        new(id, "http://10.0.0.9:8080/" + id, backup, up, since, up ? null : "2 probes in a row (GET /health): answered 503");

    private static StatusSiteInput Site(SiteMode mode, DateTimeOffset since, double? coverage = 0.9, long stale = 0, string name = "www.example.com",
        params OriginHealth.DestinationStatus[] destinations) =>
        new(new OriginHealth.SiteStatus("cluster-internal", mode, since, destinations), name, [name], coverage, stale, []);

    private StatusPageModel Build(params StatusSiteInput[] sites) => StatusPageBuilder.Build(sites, [], _clock.GetUtcNow());

    [Fact]
    public void Build_AllUp_AllSystemsNormalWithCoverage()
    {
        _clock.Advance(TimeSpan.FromMinutes(10));

        var page = Build(Site(SiteMode.Primary, Start, coverage: 0.935, destinations: [Destination("alpha", true, Start), Destination("beta", true, Start)]));

        Assert.Equal("up", page.State);
        Assert.Equal("All systems normal", page.Headline);
        var site = Assert.Single(page.Sites);
        Assert.Equal("up", site.State);
        Assert.Equal(93.5, site.CoveragePercent);
        Assert.Contains("If the origin failed now, 93.5% of recent traffic would still be served", site.Detail);
        Assert.Equal(["origin 1", "origin 2"], site.Origins.Select(o => o.Name));
    }

    [Fact]
    public void Build_OneOfTwoDestinationsDown_SiteStillServedNotAllSystemsNormal()
    {
        var down = Start.AddMinutes(1);
        _clock.Advance(TimeSpan.FromMinutes(5));

        var page = Build(Site(SiteMode.Primary, Start, destinations: [Destination("alpha", true, Start), Destination("beta", false, down)]));

        Assert.Equal("some-down", page.State);
        Assert.Equal("Some origin servers are down: site still served", page.Headline);
        Assert.DoesNotContain("normal", page.Headline, StringComparison.OrdinalIgnoreCase);
        var site = Assert.Single(page.Sites);
        Assert.Equal("4 min", site.For);
        Assert.Equal("14:03 UTC", site.Since);
        Assert.StartsWith("Origin 2 is down; origin 1 is answering, so the site is still served", site.Detail);
        Assert.Equal(site.Detail, page.Summary);
        var origin = site.Origins[1];
        Assert.False(origin.Up);
        Assert.Equal(("4 min", "14:03 UTC"), (origin.For, origin.Since));
    }

    [Fact]
    public void Build_OnBackup_SaysSoAndNoForecast()
    {
        _clock.Advance(TimeSpan.FromMinutes(2));

        var page = Build(Site(SiteMode.Backup, Start.AddMinutes(1), destinations: [Destination("main", false, Start.AddMinutes(1)), Destination("mirror", true, Start, backup: true)]));

        Assert.Equal("on-backup", page.State);
        Assert.Equal("Running on the backup origin", page.Headline);
        var site = Assert.Single(page.Sites);
        Assert.True(site.OnBackup);
        Assert.Null(site.CoveragePercent);
        Assert.DoesNotContain("failed now", site.Detail);
        Assert.Equal(["origin", "backup"], site.Origins.Select(o => o.Name));
    }

    [Fact]
    public void Build_AllDown_ServingSavedCopiesWithTheCountNotAForecast()
    {
        _clock.Advance(TimeSpan.FromMinutes(4));

        var page = Build(Site(SiteMode.Down, Start, coverage: 0.8, stale: 12, destinations: [Destination("alpha", false, Start)]));

        Assert.Equal("degraded", page.State);
        Assert.Equal("Site down: serving saved copies", page.Headline);
        Assert.DoesNotContain("Some origins", page.Headline);
        var site = Assert.Single(page.Sites);
        Assert.True(site.Degraded);
        Assert.Equal("Down: serving saved copies", site.StateText);
        Assert.Equal(("4 min", "14:02 UTC"), (site.For, site.Since));
        Assert.Null(site.CoveragePercent);
        Assert.DoesNotContain("failed now", page.Summary);
        Assert.Contains("12 saved copies served in the last hour", page.Summary);
        Assert.Equal(12, page.StaleServedLastHour);
    }

    [Fact]
    public void Build_SeveralSites_HeadlineIsTheWorstAndSummaryNamesIt()
    {
        _clock.Advance(TimeSpan.FromMinutes(1));

        var page = Build(
            Site(SiteMode.Primary, Start, name: "shop.example.com", destinations: [Destination("a", true, Start)]),
            Site(SiteMode.Down, Start, name: "news.example.com", destinations: [Destination("b", false, Start)]),
            Site(SiteMode.Backup, Start, name: "blog.example.com", destinations: [Destination("c", false, Start), Destination("d", true, Start, backup: true)]));

        Assert.Equal("degraded", page.State);
        Assert.True(page.Degraded);
        Assert.Contains("news.example.com: No origin server is answering", page.Summary);
        Assert.Contains("blog.example.com: The main origin is down", page.Summary);
        Assert.DoesNotContain("shop.example.com", page.Summary);
    }

    [Fact]
    public void Build_NoSiteForTheHost_SaysSoNotAllSystemsNormal()
    {
        var page = Build();

        Assert.Equal("No site here", page.Headline);
        Assert.Equal("This edge serves no site under this host name.", page.Summary);
        Assert.Empty(page.Sites);
    }

    [Fact]
    public void Build_NeverShowsClusterOrDestinationIdsOrAddresses()
    {
        var page = Build(Site(SiteMode.Down, Start, destinations: [Destination("alpha", false, Start), Destination("beta", true, Start, backup: true)]));

        var json = System.Text.Json.JsonSerializer.Serialize(page);
        Assert.DoesNotContain("cluster-internal", json);
        Assert.DoesNotContain("alpha", json);
        Assert.DoesNotContain("10.0.0.9", json);
    }

    [Fact]
    public void Build_SinceAnotherDay_DateShownAndLongDuration()
    {
        _clock.Advance(TimeSpan.FromHours(26));

        var site = Assert.Single(Build(Site(SiteMode.Down, Start, destinations: [Destination("alpha", false, Start)])).Sites);

        Assert.Equal("2026-11-24 14:02 UTC", site.Since);
        Assert.Equal("1 d 2 h", site.For);
    }

    [Fact]
    public void Build_Incidents_OngoingAndEndedInWords()
    {
        _clock.Advance(TimeSpan.FromMinutes(30));
        var input = Site(SiteMode.Down, Start.AddMinutes(20), destinations: [Destination("alpha", false, Start.AddMinutes(20))]) with
        {
            Incidents = [new Incident(SiteCondition.Degraded, Start.AddMinutes(20), null, 7), new Incident(SiteCondition.SomeDown, Start, Start.AddMinutes(4), 0)],
        };

        var incidents = Assert.Single(Build(input).Sites).Incidents;

        Assert.Equal(("14:22 UTC", "ongoing", "10 min", 7L, "Down: serving saved copies"),
            (incidents[0].Start, incidents[0].End, incidents[0].For, incidents[0].StaleServed, incidents[0].StateText));
        Assert.Equal(("14:02 UTC", "14:06 UTC", "4 min", "Some origin servers down: site still served"),
            (incidents[1].Start, incidents[1].End, incidents[1].For, incidents[1].StateText));
    }

    [Theory]
    [InlineData("Primary", false, "Up")]
    [InlineData("Primary", true, "SomeDown")]
    [InlineData("Backup", true, "OnBackup")]
    [InlineData("Down", true, "Degraded")]
    public void SiteConditions_Of_OneStatePerMode(string mode, bool anyDown, string expected) =>
        Assert.Equal(Enum.Parse<SiteCondition>(expected), SiteConditions.Of(Enum.Parse<SiteMode>(mode), anyDown));
}
