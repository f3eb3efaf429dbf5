using Microsoft.Extensions.Time.Testing;
using EdgeCache.Coverage;
using EdgeCache.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace EdgeCache.Tests.Coverage;

public sealed class TrafficTrackerTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 22, 12, 0, 0, TimeSpan.Zero));

    private TrafficTracker Tracker(int trackedKeys = 100) => new(
        new StaticOptions(new CoverageOptions { HalfLife = TimeSpan.FromMinutes(20), TrackedKeys = trackedKeys }), _clock);

    private static HttpRequest Request(string path)
    {
        var context = new DefaultHttpContext();
        context.Request.Scheme = "http";
        context.Request.Host = new HostString("www.example.test");
        context.Request.Path = path;
        return context.Request;
    }

    [Fact]
    public void Record_CountsDecayByHalfPerHalfLife()
    {
        var tracker = Tracker();
        tracker.Record("k", "site", Request("/k"));
        tracker.Record("k", "site", Request("/k"));

        _clock.Advance(TimeSpan.FromMinutes(20));
        Assert.Equal(1.0, tracker.VolumeOf("k"), precision: 9);
        _clock.Advance(TimeSpan.FromMinutes(20));
        Assert.Equal(0.5, tracker.VolumeOf("k"), precision: 9);
        Assert.Equal(1.5, tracker.Record("k", "site", Request("/k")), precision: 9);
    }

    [Fact]
    public void VolumeOf_UntrackedKey_Zero() => Assert.Equal(0, Tracker().VolumeOf("never"));

    [Fact]
    public void Record_PastTwiceTheTrackedKeys_KeepsTheBusiest()
    {
        var tracker = Tracker(trackedKeys: 2);
        for (var i = 0; i < 3; i++)
        {
            tracker.Record("busy", "site", Request("/busy"));
        }
        tracker.Record("second", "site", Request("/second"));
        tracker.Record("second", "site", Request("/second"));
        foreach (var key in new[] { "a", "b", "c" })
        {
            tracker.Record(key, "site", Request("/" + key)); // the fifth key makes it prune
        }

        var top = tracker.Top(10);
        Assert.Equal(["busy", "second"], top.Select(s => s.Key));
        Assert.Equal("http://www.example.test/busy", top[0].Url);
    }

    private sealed class StaticOptions(CoverageOptions value) : IOptionsMonitor<CoverageOptions>
    {
        public CoverageOptions CurrentValue => value;
        public CoverageOptions Get(string? name) => value;
        public IDisposable? OnChange(Action<CoverageOptions, string?> listener) => null;
    }
}
