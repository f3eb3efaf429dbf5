namespace EdgeCache.Status;

/// <summary>
/// Each site's incidents over the last 24 hours, for the status page: fed by
/// <see cref="Origin.OriginHealth"/> with the site's <see cref="SiteCondition"/> at every health
/// change, and by the stale responder for each stale copy served. A change of state ends the
/// ongoing incident and, unless the site is up again, starts the next one. Bounded: incidents that
/// ended more than 24 hours ago are dropped, and a site keeps at most <see cref="MaxPerSite"/>
/// (a flapping origin drops its oldest). In memory, per node.
/// </summary>
internal sealed class IncidentLog(TimeProvider time)
{
    public static readonly TimeSpan Window = TimeSpan.FromHours(24);
    public const int MaxPerSite = 50;

    private readonly Dictionary<string, SiteLog> _sites = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lock _lock = new();

    private sealed class Entry(SiteCondition condition, DateTimeOffset start)
    {
        public SiteCondition Condition { get; } = condition;
        public DateTimeOffset Start { get; } = start;
        public DateTimeOffset? End { get; set; }
        public long StaleServed { get; set; }
    }

    private sealed class SiteLog
    {
        public SiteCondition Current { get; set; } = SiteCondition.Up;
        public List<Entry> Entries { get; } = [];
        public Entry? Ongoing { get; set; }
    }

    /// <summary>The site's state now; nothing happens when it is the one already recorded.</summary>
    public void Record(string site, SiteCondition condition)
    {
        var now = time.GetUtcNow();
        lock (_lock)
        {
            if (!_sites.TryGetValue(site, out var log))
            {
                _sites[site] = log = new SiteLog();
            }
            if (log.Current == condition)
            {
                return;
            }
            log.Current = condition;
            if (log.Ongoing is { } ongoing)
            {
                ongoing.End = now;
                log.Ongoing = null;
            }
            if (condition != SiteCondition.Up)
            {
                log.Ongoing = new Entry(condition, now);
                log.Entries.Add(log.Ongoing);
            }
            Trim(log, now);
        }
    }

    /// <summary>A stale copy of the site was served because its origin failed: counted in the ongoing incident, if any.</summary>
    public void StaleServed(string site)
    {
        lock (_lock)
        {
            if (_sites.TryGetValue(site, out var log) && log.Ongoing is { } ongoing)
            {
                ongoing.StaleServed++;
            }
        }
    }

    /// <summary>The site's incidents of the last 24 hours, newest first.</summary>
    public IReadOnlyList<Incident> Recent(string site)
    {
        var now = time.GetUtcNow();
        lock (_lock)
        {
            if (!_sites.TryGetValue(site, out var log))
            {
                return [];
            }
            Trim(log, now);
            return log.Entries.Select(e => new Incident(e.Condition, e.Start, e.End, e.StaleServed)).Reverse().ToArray();
        }
    }

    private static void Trim(SiteLog log, DateTimeOffset now)
    {
        log.Entries.RemoveAll(e => e.End is { } end && now - end > Window);
        // The ongoing incident is always the last one: only ended ones go.
        if (log.Entries.Count > MaxPerSite)
        {
            log.Entries.RemoveRange(0, log.Entries.Count - MaxPerSite);
        }
    }
}
