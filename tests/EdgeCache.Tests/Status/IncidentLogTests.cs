using EdgeCache.Status;
using Microsoft.Extensions.Time.Testing;

namespace EdgeCache.Tests.Status;

public sealed class IncidentLogTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 24, 14, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _clock = new(Start);
    private readonly IncidentLog _log;

    public IncidentLogTests() => _log = new IncidentLog(_clock);

    [Fact]
    public void Record_UpOnly_NoIncident()
    {
        _log.Record("site", SiteCondition.Up);
        _clock.Advance(TimeSpan.FromMinutes(1));
        _log.Record("site", SiteCondition.Up);

        Assert.Empty(_log.Recent("site"));
    }

    [Fact]
    public void Record_DownThenUp_OneEndedIncidentWithItsStaleCount()
    {
        _log.Record("site", SiteCondition.Up);
        _clock.Advance(TimeSpan.FromMinutes(2));
        _log.Record("site", SiteCondition.Degraded);
        _log.StaleServed("site");
        _log.StaleServed("site");
        _log.StaleServed("other"); // another site's
        _clock.Advance(TimeSpan.FromMinutes(4));
        _log.Record("site", SiteCondition.Up);
        _log.StaleServed("site"); // after the incident: not in it

        var incident = Assert.Single(_log.Recent("site"));
        Assert.Equal(new Incident(SiteCondition.Degraded, Start.AddMinutes(2), Start.AddMinutes(6), 2), incident);
    }

    [Fact]
    public void Record_ChangeOfState_EndsOneStartsTheNextNewestFirst()
    {
        _log.Record("site", SiteCondition.SomeDown);
        _clock.Advance(TimeSpan.FromMinutes(1));
        _log.Record("site", SiteCondition.Degraded);

        var incidents = _log.Recent("site");
        Assert.Equal(2, incidents.Count);
        Assert.Equal((SiteCondition.Degraded, (DateTimeOffset?)null), (incidents[0].Condition, incidents[0].End));
        Assert.Equal((SiteCondition.SomeDown, (DateTimeOffset?)Start.AddMinutes(1)), (incidents[1].Condition, incidents[1].End));
    }

    [Fact]
    public void Recent_EndedMoreThan24HoursAgo_Dropped_OngoingKept()
    {
        _log.Record("a", SiteCondition.OnBackup);
        _log.Record("b", SiteCondition.OnBackup);
        _clock.Advance(TimeSpan.FromMinutes(1));
        _log.Record("a", SiteCondition.Up);
        _clock.Advance(TimeSpan.FromHours(24));

        Assert.Single(_log.Recent("a"));
        _clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Empty(_log.Recent("a"));
        Assert.Single(_log.Recent("b")); // still going, however long
    }

    [Fact]
    public void Record_Flapping_KeepsTheNewestUpToTheCap()
    {
        for (var i = 0; i < IncidentLog.MaxPerSite + 10; i++)
        {
            _log.Record("site", SiteCondition.SomeDown);
            _clock.Advance(TimeSpan.FromSeconds(1));
            _log.Record("site", SiteCondition.Up);
            _clock.Advance(TimeSpan.FromSeconds(1));
        }

        var incidents = _log.Recent("site");
        Assert.Equal(IncidentLog.MaxPerSite, incidents.Count);
        Assert.Equal(Start.AddSeconds(2 * (IncidentLog.MaxPerSite + 9)), incidents[0].Start);
    }
}
