using EdgeCache.Caching.Entries;
using EdgeCache.Caching.Keys;
using EdgeCache.Caching.Policy;
using EdgeCache.Caching.Stores;
using EdgeCache.Origin;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Model;

namespace EdgeCache.Caching.Pipeline;

/// <summary>What the routed step found and decided for a request.</summary>
/// <param name="Entry">The stored entry for the reader (its Vary variant), or null.</param>
/// <param name="Key">The entry's key (the variant's when the response varies).</param>
/// <param name="VaryMiss">A Vary marker named a variant that is not stored.</param>
/// <param name="Target">Where a fetch goes; null when no destination is up (the site is degraded).</param>
/// <param name="Decision">What to do.</param>
internal sealed record CacheLookupResult(CacheEntry? Entry, string Key, bool VaryMiss, OriginTarget? Target, RequestDecision Decision);

/// <summary>
/// The routed step's lookup: the reader counted, the lookup finished in the persistent tier (the
/// memory tier was probed before routing), a Vary marker resolved to the reader's variant, and the
/// one decision made (<see cref="RequestDecider"/>, the site degraded when no destination is up, the
/// key failing while it backs off).
/// A store error is a miss, and so is an entry (or Vary marker) another site's origin answered
/// (<see cref="CacheOwner"/>): never served, revalidated or stood in with for this site; the fetch's
/// answer replaces it.
/// </summary>
internal sealed class CacheLookup(TieredStore store, OriginHealth health, Fetching.FailureBackoff backoff, CacheTelemetry telemetry, TimeProvider time)
{
    /// <param name="owner">Whose entries this request may be served (<see cref="CacheOwner"/> of its site).</param>
    public async Task<CacheLookupResult> LookupAsync(HttpContext context, CacheRequestContext request, string site, string owner)
    {
        var primaryKey = request.PrimaryKey!;
        var volume = telemetry.CountReader(primaryKey, site, request.Background);
        var (entry, key, varyMiss) = await FindAsync(request, owner, context.Request.Headers, context.RequestAborted);
        var now = time.GetUtcNow();
        var target = OriginTarget.From(context.Features.Get<IReverseProxyFeature>(), health);
        var refreshAhead = entry is not null && telemetry.IsRefreshAheadDue(entry, now, volume);
        var origin = target is null ? OriginState.SiteDown
            : entry is not null && backoff.IsBackingOff(key, now) ? OriginState.KeyFailing
            : OriginState.Up;
        var decision = RequestDecider.Decide(request.Facts, entry, now, origin, refreshAhead);
        return new CacheLookupResult(entry, key, varyMiss, target, decision);
    }

    private async Task<(CacheEntry? Entry, string Key, bool VaryMiss)> FindAsync(CacheRequestContext request, string owner, IHeaderDictionary headers,
        CancellationToken cancellationToken)
    {
        var primaryKey = request.PrimaryKey!;
        var primary = OwnedBy(owner, request.PrimaryInMemory ?? await store.GetAsync(primaryKey, memoryProbed: true, cancellationToken));
        if (primary is not { Kind: CacheEntryKind.VaryMarker })
        {
            return (primary, primaryKey, false);
        }
        // The variant: memory was probed before routing only when the marker came from memory.
        var probed = request.VariantKey is not null;
        var variantKey = request.VariantKey ?? CacheKeys.Variant(primaryKey, primary.VaryHeaders, headers);
        var variant = OwnedBy(owner, request.VariantInMemory ?? await store.GetAsync(variantKey, memoryProbed: probed, cancellationToken));
        return (variant is { Kind: CacheEntryKind.Response } ? variant : null, variantKey, variant is null);
    }

    private static CacheEntry? OwnedBy(string owner, CacheEntry? entry) =>
        entry is not null && string.Equals(entry.Owner, owner, StringComparison.Ordinal) ? entry : null;
}
