using Microsoft.Extensions.Time.Testing;
using EdgeCache.Coverage;
using EdgeCache.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace EdgeCache.Tests.Coverage;

public sealed class TrafficTrackerTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 22, 12, 0, 0, TimeSpan.Zero));

    private TrafficTracker Tracker(int trackedKeys = 100) => new(
        new StaticOptions(new CoverageOptions { HalfLife = TimeSpan.FromMinutes(20), TrackedKeys = trackedKeys }), _clock);

    [Fact]
    public void Record_CountsDecayByHalfPerHalfLife()
    {
        var tracker = Tracker();
        tracker.Record("k", "site");
        tracker.Record("k", "site");

        _clock.Advance(TimeSpan.FromMinutes(20));
        Assert.Equal(1.0, tracker.VolumeOf("k"), precision: 9);
        _clock.Advance(TimeSpan.FromMinutes(20));
        Assert.Equal(0.5, tracker.VolumeOf("k"), precision: 9);
        Assert.Equal(1.5, tracker.Record("k", "site"), precision: 9);
    }

    [Fact]
    public void VolumeOf_UntrackedKey_Zero() => Assert.Equal(0, Tracker().VolumeOf("never"));

    [Fact]
    public void Record_TableFull_QuietestKeyMakesRoom()
    {
        var tracker = Tracker(trackedKeys: 3);
        for (var i = 0; i < 3; i++)
        {
            tracker.Record("GET http://www.example.test/busy", "site");
        }
        tracker.Record("GET http://www.example.test/second\nh:x=1", "site");
        tracker.Record("GET http://www.example.test/second\nh:x=1", "site");
        foreach (var key in new[] { "a", "b", "c" })
        {
            tracker.Record("GET http://www.example.test/" + key, "site");
        }

        var top = tracker.Top(10);
        Assert.Equal(3, tracker.Count);
        Assert.Equal(["GET http://www.example.test/busy", "GET http://www.example.test/second\nh:x=1"], top.Take(2).Select(s => s.Key));
        Assert.Equal("http://www.example.test/second", top[1].Url);
    }

    [Fact]
    public void Record_MillionDistinctUrls_KeyCountStaysAtTheBoundAndHeavyHittersStay()
    {
        const int trackedKeys = 1000;
        var tracker = Tracker(trackedKeys);
        var heavy = Enumerable.Range(0, 20).Select(i => $"GET http://www.example.test/popular/{i}").ToArray();
        for (var i = 0; i < 1_000_000; i++)
        {
            tracker.Record($"GET http://www.example.test/flood/{i}?q={i}", "site");
            if (i % 500 == 0)
            {
                foreach (var key in heavy)
                {
                    tracker.Record(key, "site");
                }
            }
            if (i % 1000 == 0)
            {
                _clock.Advance(TimeSpan.FromSeconds(1));
            }
        }

        Assert.Equal(trackedKeys, tracker.Count);
        Assert.Equal(heavy.Order(StringComparer.Ordinal), tracker.Top(heavy.Length).Select(s => s.Key).Order(StringComparer.Ordinal));
        Assert.All(heavy, key => Assert.True(tracker.VolumeOf(key) > 10));
    }

    [Fact]
    public void Record_KeyLongerThanTheBound_NotTracked()
    {
        var tracker = Tracker();
        var key = "GET http://www.example.test/" + new string('a', TrafficTracker.MaxKeyLength);

        Assert.Equal(1, tracker.Record(key, "site"));
        Assert.Equal(0, tracker.Count);
        Assert.Equal(0, tracker.VolumeOf(key));
    }

    private sealed class StaticOptions(CoverageOptions value) : IOptionsMonitor<CoverageOptions>
    {
        public CoverageOptions CurrentValue => value;
        public CoverageOptions Get(string? name) => value;
        public IDisposable? OnChange(Action<CoverageOptions, string?> listener) => null;
    }
}
