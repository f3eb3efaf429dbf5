using EdgeCache.Caching.Policy;
using EdgeCache.Metrics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using EdgeCache.Diagnostics;

namespace EdgeCache.Caching.Pipeline;

/// <summary>
/// What the cache observes of its readers: the traffic per key (for refresh-ahead and outage
/// coverage) and, after the answer, the request counted by outcome and the access log line.
/// </summary>
internal sealed partial class CacheTelemetry(EdgeCacheMetrics metrics, Coverage.TrafficTracker traffic, IOptionsMonitor<CacheOptions> options,
    TimeProvider time, ILogger<CacheTelemetry> logger)
{
    /// <summary>Counts a reader's request for <paramref name="primaryKey"/> (background work is not counted); returns the key's recent volume.</summary>
    public double CountReader(string primaryKey, string site, bool background) =>
        background ? traffic.VolumeOf(primaryKey) : traffic.Record(primaryKey, site);

    /// <summary>Whether a fresh entry with this recent volume is due for refresh-ahead.</summary>
    public bool IsRefreshAheadDue(Entries.CacheEntry entry, DateTimeOffset now, double volume) => traffic.IsRefreshAheadDue(entry, now, volume);

    /// <summary>A timestamp for <see cref="Record"/>'s duration.</summary>
    public long Start() => time.GetTimestamp();

    public void Record(HttpContext context, string site, CacheOutcome outcome, long startedTimestamp)
    {
        metrics.Request(site, outcome.Label());
        if (options.CurrentValue.AccessLog)
        {
            var request = context.Request;
            LogAccess(logger, request.Method, request.Host.Value ?? "", request.Path.Value ?? "",
                context.Response.StatusCode, outcome.Label(), time.GetElapsedTime(startedTimestamp).TotalMilliseconds);
        }
    }

    [LoggerMessage(EventId = EventIds.Access, EventName = nameof(EventIds.Access), Level = LogLevel.Information,
        Message = "{Method} {Host}{Path} {Status} {Outcome} {ElapsedMs:0.0} ms")]
    private static partial void LogAccess(ILogger logger, string method, string host, string path, int status, string outcome, double elapsedMs);
}
