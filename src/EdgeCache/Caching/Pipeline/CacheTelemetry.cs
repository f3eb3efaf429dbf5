using EdgeCache.Caching.Policy;
using EdgeCache.Metrics;

namespace EdgeCache.Caching.Pipeline;

/// <summary>
/// What the cache observes of its readers: the traffic per key (for refresh-ahead and outage
/// coverage) and, after the answer, the request counted by outcome.
/// </summary>
internal sealed class CacheTelemetry(EdgeCacheMetrics metrics, Coverage.TrafficTracker traffic)
{
    /// <summary>Counts a reader's request for <paramref name="primaryKey"/> (background work is not counted); returns the key's recent volume.</summary>
    public double CountReader(string primaryKey, string site, bool background) =>
        background ? traffic.VolumeOf(primaryKey) : traffic.Record(primaryKey, site);

    /// <summary>Whether a fresh entry with this recent volume is due for refresh-ahead.</summary>
    public bool IsRefreshAheadDue(Entries.CacheEntry entry, DateTimeOffset now, double volume) => traffic.IsRefreshAheadDue(entry, now, volume);

    /// <summary>The request counted by its outcome (the access log line is <see cref="AccessLog.AccessLogMiddleware"/>'s).</summary>
    public void Record(string site, CacheOutcome outcome) => metrics.Request(site, outcome.Label());
}
