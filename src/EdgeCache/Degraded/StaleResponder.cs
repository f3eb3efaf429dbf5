using EdgeCache.Caching;
using EdgeCache.Caching.Entries;
using EdgeCache.Metrics;
using EdgeCache.Rules;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using EdgeCache.Diagnostics;

namespace EdgeCache.Degraded;

/// <summary>
/// Serves a stale copy because the origin failed or is known down: counted for the status page
/// and the metrics, marked in <c>Cache-Status</c> with the reason, with the stale banner where the
/// rule asks for it. Used by the routed path and by the hit fast path alike.
/// </summary>
internal sealed partial class StaleResponder(StaleServedCounter counter, Status.IncidentLog incidents, StaleBanner banner, EdgeCacheMetrics metrics,
    TimeProvider time, ILogger<StaleResponder> logger)
{
    public Task WriteAsync(HttpContext context, CacheEntry stale, CacheRule rule, string site, string reason)
    {
        var now = time.GetUtcNow();
        counter.Increment(site);
        incidents.StaleServed(site);
        metrics.StaleServed(site, reason);
        LogServedStale(logger, stale.Key, reason);
        var status = CacheStatus.Forward("stale", ttl: stale.TimeToLive(now), detail: reason);
        return rule.Options.StaleBanner
            ? WithBannerAsync(context, stale, now, status)
            : CachedResponseWriter.WriteAsync(context, stale, now, status);
    }

    private async Task WithBannerAsync(HttpContext context, CacheEntry stale, DateTimeOffset now, string status)
    {
        var served = await banner.ApplyAsync(stale, context.Request.Host.Host.ToLowerInvariant(), stale.Age(now));
        // A page with the banner is not the stored representation: whole, never a range of it.
        await CachedResponseWriter.WriteAsync(context, served, now, status, allowRanges: ReferenceEquals(served, stale));
    }

    [LoggerMessage(EventId = EventIds.ServedStale, EventName = nameof(EventIds.ServedStale), Level = LogLevel.Debug,
        Message = "Served a stale copy of {Key}: {Reason}")]
    private static partial void LogServedStale(ILogger logger, string key, string reason);
}
