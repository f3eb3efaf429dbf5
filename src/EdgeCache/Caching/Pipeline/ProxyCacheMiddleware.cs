using EdgeCache.AccessLog;
using EdgeCache.Caching.Fetching;
using EdgeCache.Caching.Keys;
using EdgeCache.Caching.Policy;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Model;

namespace EdgeCache.Caching.Pipeline;

/// <summary>
/// The cache as a step of YARP's proxy pipeline (after load balancing picked a destination). It
/// takes over from <see cref="EdgeCacheMiddleware"/> through the <see cref="CacheRequestContext"/>:
/// <code>
/// 1. No context (not GET/HEAD) or a bypass        → forwarded untouched (fwd=method, fwd=bypass); an
///    unsafe method's 2xx/3xx invalidates its URL first (<see cref="ForwardStep"/>).
/// 2. <see cref="CacheLookup"/>: the reader counted; the lookup finished in the persistent tier
///    (memory was probed before routing); a Vary marker selects the variant. A store error, or an
///    entry another site's origin answered (<see cref="CacheOwner"/>), is a miss.
/// 3. Its decision (<see cref="RequestDecider"/>, with the site degraded when no destination is up):
///    Hit (refresh-ahead when due), StaleWhileRevalidate (refresh in the background),
///    StaleOriginDown and StaleOriginFailing (the key backing off) are served from the entry.
/// 4. Fetch, coalesced, conditional when the copy has validators: the stale deadline passed → the
///    stale copy; the origin declared down first → the error page; the reader gone → nothing.
/// 5. Answer: stored, revalidated or only for this reader → the response; too large → the rest of
///    the same origin response for the fetch's reader, forwarded for others (streamed, uncached); failed → the copy within stale-if-error, else the error page.
/// </code>
/// Every response gets <c>Cache-Status</c>; every response from an entry gets <c>Age</c>.
/// </summary>
internal sealed class ProxyCacheMiddleware(RequestDelegate next, CacheLookup lookup, FetchStep fetch, CacheResponder responder,
    ForwardStep forward, CacheTelemetry telemetry)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var proxy = context.Features.Get<IReverseProxyFeature>();
        var site = proxy?.Cluster.Config.ClusterId ?? "none";
        var request = context.Features.Get<CacheRequestContext>();
        var outcome = request is null
            ? await forward.ForwardAsync(context, next, "method", detail: null, CacheOutcome.Bypass)
            : await HandleAsync(context, request, site, proxy is null ? "" : CacheOwner.Of(proxy.Cluster));
        telemetry.Record(site, outcome);
    }

    private async Task<CacheOutcome> HandleAsync(HttpContext context, CacheRequestContext request, string site, string owner)
    {
        // Step 1: a bypass goes through YARP untouched.
        if (request.Facts.BypassReason is { } reason)
        {
            return await forward.ForwardAsync(context, next, "bypass", reason, CacheOutcome.Bypass);
        }

        // Steps 2 and 3: finish the lookup, decide.
        var (entry, key, varyMiss, target, decision) = await lookup.LookupAsync(context, request, site, owner);
        var primaryKey = request.PrimaryKey!;
        switch (decision.Action)
        {
            case RequestAction.Hit:
                await responder.WriteHitAsync(context, entry!, request.Rule, site);
                return CacheOutcome.Hit;
            case RequestAction.HitRefreshAhead:
                fetch.StartBackgroundRefresh(context, request, primaryKey, key, entry!);
                await responder.WriteHitAsync(context, entry!, request.Rule, site);
                return CacheOutcome.Hit;
            case RequestAction.StaleWhileRevalidate:
                fetch.StartBackgroundRefresh(context, request, primaryKey, key, entry!);
                await responder.WriteHitAsync(context, entry!, request.Rule, site, detail: "stale-while-revalidate");
                return CacheOutcome.Hit;
            case RequestAction.StaleOriginDown:
                // The origin is known down: the copy at once; the probes find the recovery.
                await responder.WriteStaleAsync(context, entry!, request.Rule, site, "origin-down");
                return CacheOutcome.Stale;
            case RequestAction.StaleOriginFailing:
                // The origin failed this key moments ago: the copy at once; the backoff's end tries again.
                await responder.WriteStaleAsync(context, entry!, request.Rule, site, "origin-error");
                return CacheOutcome.Stale;
        }

        // Step 4: fetch.
        var fetched = await fetch.FetchForReaderAsync(context, request, primaryKey, key, entry, target, decision.Wait);
        switch (fetched.End)
        {
            case FetchEnd.Deadline:
                await responder.WriteStaleAsync(context, entry!, request.Rule, site, "deadline");
                return CacheOutcome.Stale;
            case FetchEnd.OriginDown:
                await responder.WriteErrorAsync(context, StatusCodes.Status503ServiceUnavailable, "origin-down");
                return CacheOutcome.ErrorPage;
            case FetchEnd.ReaderGone:
                return CacheOutcome.ClientAbort;
        }

        // Step 5: answer.
        var result = fetched.Result!;
        context.Features.Get<AccessLogRecord>()?.Origin(result.Origin);
        var fwd = request.Facts.Reload ? "request" : entry is not null ? "stale" : varyMiss ? "vary-miss" : "miss";
        switch (result.Kind)
        {
            case FetchKind.Stored or FetchKind.Revalidated or FetchKind.Uncacheable:
                await responder.WriteFetchedAsync(context, result, fwd, revalidating: entry is not null, fetched.Collapsed, request.Rule, site);
                return result.Kind switch
                {
                    FetchKind.Revalidated => CacheOutcome.Revalidated,
                    FetchKind.Uncacheable => CacheOutcome.Uncacheable,
                    _ => CacheOutcome.Miss,
                };
            case FetchKind.TooLarge:
                // Too large to store: the fetch's own reader gets the rest of that origin response;
                // anyone else (a waiter, a ranged request) has YARP stream its own, uncached.
                if (result.Origin.PassThrough is { } passThrough)
                {
                    if (!fetched.Collapsed && ForwardStep.CanTakePassThrough(context.Request) && passThrough.TryClaim())
                    {
                        return await forward.PassThroughAsync(context, passThrough, "miss", "too-large", result.Origin.FromBackup, result.Origin.Destination);
                    }
                    if (!fetched.Collapsed)
                    {
                        passThrough.Abandon();
                    }
                }
                return await forward.ForwardAsync(context, next, "miss", "too-large", CacheOutcome.TooLarge);
            default:
                // The origin failed: the copy within stale-if-error, else the error page.
                return await responder.WriteFailureAsync(context, result, entry, request.Rule, site, fetched.Collapsed);
        }
    }
}
