using System.Globalization;
using EdgeCache.Caching.Entries;
using EdgeCache.Caching.Fetching;
using EdgeCache.Caching.Stores;
using EdgeCache.Degraded;
using EdgeCache.Origin;
using EdgeCache.Rules;
using Microsoft.AspNetCore.Http;

namespace EdgeCache.Caching.Pipeline;

/// <summary>
/// Everything the cache sends a reader: hits, stale copies, fetched responses and error pages,
/// each with its <c>Cache-Status</c>.
/// </summary>
internal sealed class CacheResponder(ErrorPageWriter errorPages, StaleResponder stale, TieredStore store,
    Microsoft.Extensions.Options.IOptionsMonitor<DegradedOptions> degraded, ReaderAffinity affinity, TimeProvider time)
{
    /// <summary>A fresh memory-tier hit answered before routing, with the entry's per-second header values.</summary>
    public Task WriteFastHitAsync(HttpContext context, MemoryItem item, DateTimeOffset now)
    {
        var ageSeconds = CachedResponseWriter.AgeSeconds(item.Entry, now);
        var ttlSeconds = CacheStatus.Seconds(item.Entry.TimeToLive(now));
        if (item.HitHeaders is not { } values || values.AgeSeconds != ageSeconds || values.TtlSeconds != ttlSeconds)
        {
            values = new HitHeaderValues(ageSeconds, ttlSeconds,
                ageSeconds.ToString(CultureInfo.InvariantCulture), CacheStatus.Hit(ttlSeconds));
            item.HitHeaders = values;
        }
        return CachedResponseWriter.WriteAsync(context, item.Entry, values.Age, values.CacheStatus);
    }

    /// <summary>A hit in the routed step (fresh, or within stale-while-revalidate); later hits on it can be answered before routing.</summary>
    public async Task WriteHitAsync(HttpContext context, CacheEntry entry, CacheRule rule, string site, string? detail = null)
    {
        if (Brands(context, entry.StatusCode, rule))
        {
            await errorPages.WriteAsync(context, entry.StatusCode, "origin-error");
            return;
        }
        var now = time.GetUtcNow();
        await CachedResponseWriter.WriteAsync(context, entry, now, CacheStatus.Hit(entry.TimeToLive(now), detail));
        if (detail is null)
        {
            RememberSite(context, entry, site);
        }
    }

    /// <summary>A stale copy standing in for a failed, slow or down origin.</summary>
    public Task WriteStaleAsync(HttpContext context, CacheEntry entry, CacheRule rule, string site, string reason) =>
        stale.WriteAsync(context, entry, rule, site, reason);

    /// <summary>
    /// The origin failed: the stored copy when it is within stale-if-error. Otherwise, when the
    /// origin answered, its answer passes through with its status (a reader preferring HTML gets the
    /// branded page with that status, for the statuses and rules that ask for it); only when there
    /// is no origin answer (refused, reset, timeout, no destination, busy) EdgeCache's own error page.
    /// </summary>
    /// <param name="collapsed">The reader waited on another reader's fetch: the origin's answer was that reader's, never passed on.</param>
    public async Task<Policy.CacheOutcome> WriteFailureAsync(HttpContext context, FetchResult result, CacheEntry? stored, CacheRule rule, string site,
        bool collapsed)
    {
        var now = time.GetUtcNow();
        if (stored is not null && Policy.CachePolicy.CanServeStaleOnError(stored, now))
        {
            await stale.WriteAsync(context, stored, rule, site, result.Detail);
            return Policy.CacheOutcome.Stale;
        }
        var origin = result.Origin;
        if (!origin.OriginAnswered || collapsed)
        {
            await errorPages.WriteAsync(context, origin.Answer.FailureStatus, result.Detail);
            return Policy.CacheOutcome.ErrorPage;
        }
        if (Brands(context, origin.StatusCode, rule))
        {
            await errorPages.WriteAsync(context, origin.StatusCode, result.Detail);
            return Policy.CacheOutcome.ErrorPage;
        }
        // The publisher's own answer, status, headers and body, for this reader only.
        var answer = CacheEntryFactory.Transient(result.Entry?.Key ?? "", origin.StatusCode, origin.Headers, origin.Body, origin.ResponseTime,
            keepTagHeaders: false);
        affinity.Apply(context, origin.Destination);
        await CachedResponseWriter.WriteAsync(context, answer, now, CacheStatus.Forward("miss", fwdStatus: origin.StatusCode, detail: result.Detail, backup: origin.FromBackup));
        return Policy.CacheOutcome.Uncacheable;
    }

    /// <summary>
    /// Whether an origin's error answer, live or stored, reaches this reader as the branded page
    /// (with the origin's status): for the statuses and rules that ask for it, and readers preferring HTML.
    /// </summary>
    private bool Brands(HttpContext context, int status, CacheRule rule) =>
        status >= StatusCodes.Status400BadRequest && rule.Options.BrandOriginErrors
        && degraded.CurrentValue.BrandedOriginStatuses.Contains(status)
        && ErrorPageWriter.Negotiate(context.Request.Headers.Accept) == ErrorPageWriter.Format.Html;

    /// <summary>The friendly error page.</summary>
    public Task WriteErrorAsync(HttpContext context, int status, string detail) => errorPages.WriteAsync(context, status, detail);

    /// <summary>A response fetched for this reader (stored, revalidated, or only for them).</summary>
    /// <param name="context">The reader's context.</param>
    /// <param name="result">What the fetch found.</param>
    /// <param name="fwd">Why the origin was asked: miss, vary-miss, stale, request.</param>
    /// <param name="revalidating">A stored copy was revalidated: the origin's status is reported.</param>
    /// <param name="collapsed">The reader shared another reader's fetch.</param>
    /// <param name="rule">The request's rule (whether a stored error answer is branded).</param>
    /// <param name="site">The site, for later hits before routing.</param>
    public async Task WriteFetchedAsync(HttpContext context, FetchResult result, string fwd, bool revalidating, bool collapsed, CacheRule rule, string site)
    {
        var now = time.GetUtcNow();
        var fwdStatus = revalidating ? result.Origin.StatusCode : (int?)null;
        var entry = result.Entry!;
        if (result.Kind == FetchKind.Stored && Brands(context, entry.StatusCode, rule))
        {
            await errorPages.WriteAsync(context, entry.StatusCode, "origin-error"); // a stored error answer (explicit freshness)
            return;
        }
        if (result.Kind is FetchKind.Stored or FetchKind.Revalidated)
        {
            await CachedResponseWriter.WriteAsync(context, entry, now,
                CacheStatus.Forward(fwd, fwdStatus, stored: true, ttl: entry.TimeToLive(now), collapsed: collapsed, backup: result.Origin.FromBackup));
            RememberSite(context, entry, site);
            return;
        }
        if (!collapsed)
        {
            affinity.Apply(context, result.Origin.Destination); // this reader's own answer
        }
        await CachedResponseWriter.WriteAsync(context, entry, now, CacheStatus.Forward(fwd, fwdStatus, detail: result.Detail, backup: result.Origin.FromBackup));
    }

    /// <summary>The entry was served to a routed request: later hits on it are answered before routing, while the proxy configuration that routed this one holds.</summary>
    private void RememberSite(HttpContext context, CacheEntry entry, string site)
    {
        if (context.Features.Get<CacheRequestContext>() is { } request)
        {
            store.RememberSite(entry, site, request.ConfigGeneration);
        }
    }
}
