using EdgeCache.Caching.Entries;
using EdgeCache.Caching.Keys;
using EdgeCache.Caching.Policy;
using EdgeCache.Caching.Stores;
using EdgeCache.Coverage;
using EdgeCache.Degraded;
using EdgeCache.Origin;
using EdgeCache.Rules;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace EdgeCache.Caching.Pipeline;

/// <summary>
/// The cache's first step, ahead of routing and of YARP's pipeline. It matches the rule, builds the
/// key on the stack and probes the memory tier, once per request, and asks
/// <see cref="RequestDecider"/>:
/// <code>
/// 1. Not GET/HEAD, or the status page          → on, without a context (forwarded untouched).
/// 2. Rule; a bypass                            → on, with a context saying so.
/// 3. Key (no string), memory probe, variant.
/// 4. Decide (entries a routed request of the current proxy configuration was served, so their
///    site is known and still the site of this URL; none while routes match on headers or query
///    parameters, which can give one URL to two sites): Hit, StaleOriginDown, StaleOriginFailing → answered here.
/// 5. Anything else                             → on, with a <see cref="CacheRequestContext"/> carrying
///                                                rule, facts, key and what memory held.
/// </code>
/// A hit allocates no key; its <c>Age</c> and <c>Cache-Status</c> values are built once per second of
/// an entry's life and shared by every hit in that second.
/// </summary>
internal sealed class EdgeCacheMiddleware(RequestDelegate next, RuleSetProvider rules, TieredStore store, TrafficTracker traffic,
    Warming.WarmMarker warmMarker, IOptionsMonitor<CacheOptions> options, IOptionsMonitor<DegradedOptions> degraded, CacheResponder responder, OriginHealth health, Fetching.FailureBackoff backoff, CacheTelemetry telemetry, ProxyConfigGeneration configGeneration,
    TimeProvider time)
{
    // Bound at start-up, like the status page's endpoint (the option does not reload).
    private readonly string _statusPath = degraded.CurrentValue.StatusPath;

    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;

        // Step 1: only GET and HEAD use the cache.
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
        {
            return next(context);
        }
        var path = request.Path.Value ?? "/";
        if (path.Equals(_statusPath, StringComparison.OrdinalIgnoreCase))
        {
            return next(context);
        }

        // Step 2: the rule, and what the request says.
        var rule = (request.QueryString.HasValue ? context.Features.Get<MatchedRule>()?.Rule : null) ?? rules.Current.Match(request.Host, path);
        var facts = new RequestFacts(CachePolicy.BypassReason(request.Method, request.Headers, rule),
            CachePolicy.ClientRequiresReload(request.Headers, options.CurrentValue), CachePolicy.CredentialsOf(request.Headers));
        var background = warmMarker.IsWarming(request);
        if (facts.BypassReason is not null)
        {
            context.Features.Set(new CacheRequestContext(rule, facts, background));
            return next(context);
        }

        // Step 3: the key, spelt on the stack, and the memory tier.
        MemoryItem? primary, variant = null;
        string? primaryKey = null, variantKey = null;
        var key = new KeyBuilder(stackalloc char[256]);
        try
        {
            CacheKeys.WritePrimary(ref key, request, rule);
            if (!store.TryGetFromMemory(key.Span, out primary!))
            {
                primary = null;
                primaryKey = key.ToString();
            }
        }
        finally
        {
            key.Dispose();
        }
        if (primary is not null)
        {
            primaryKey = primary.Entry.Key;
            if (primary.Entry.Kind == CacheEntryKind.VaryMarker)
            {
                variant = ProbeVariant(primary.Entry, request.Headers, out variantKey);
            }
        }

        // Step 4: answered here when the entry's site is known under the configuration in effect and
        // the decision is a hit or stale-while-down. Read before routing: a configuration applied
        // meanwhile makes the routed request's note of the site stale, never wrong.
        var config = configGeneration.Snapshot;
        var generation = config.Generation;
        var item = primary?.Entry.Kind == CacheEntryKind.VaryMarker ? variant : primary;
        // A stored error answer goes to the routed step, where an HTML reader may get it branded.
        if (config.UrlDecidesSite && item?.SiteAt(generation) is { } site && item.Entry.StatusCode < StatusCodes.Status400BadRequest && !facts.Reload && !background)
        {
            var now = time.GetUtcNow();
            var entry = item.Entry;
            // Traffic and health are only read where the decision can depend on them (a fresh hit
            // never asks whether the site is down, a key's volume matters only near expiry):
            // two dictionary lookups fewer per hit.
            var fresh = CachePolicy.Classify(entry, now, facts.Credentials) == Freshness.Fresh;
            var refreshAhead = fresh && traffic.IsRefreshAheadDue(entry, now, primaryKey!);
            var origin = fresh ? OriginState.Up
                : health.IsDegraded(site) ? OriginState.SiteDown
                : backoff.IsBackingOff(entry.Key, now) ? OriginState.KeyFailing
                : OriginState.Up;
            var decision = RequestDecider.Decide(facts, entry, now, origin, refreshAhead);
            if (decision.Action is RequestAction.Hit or RequestAction.StaleOriginDown or RequestAction.StaleOriginFailing)
            {
                traffic.Record(primaryKey!, site);
                var write = decision.Action switch
                {
                    RequestAction.Hit => responder.WriteFastHitAsync(context, item, now),
                    RequestAction.StaleOriginDown => responder.WriteStaleAsync(context, entry, rule, site, "origin-down"),
                    _ => responder.WriteStaleAsync(context, entry, rule, site, "origin-error"),
                };
                telemetry.Record(site, decision.Action == RequestAction.Hit ? CacheOutcome.Hit : CacheOutcome.Stale);
                return write;
            }
        }

        // Step 5: the routed step takes it from here, without matching, keying or probing again.
        context.Features.Set(new CacheRequestContext(rule, facts, background)
        {
            ConfigGeneration = generation,
            PrimaryKey = primaryKey,
            PrimaryInMemory = primary?.Entry,
            VariantKey = variantKey,
            VariantInMemory = variant?.Entry,
        });
        return next(context);
    }

    private MemoryItem? ProbeVariant(CacheEntry marker, IHeaderDictionary headers, out string variantKey)
    {
        var key = new KeyBuilder(stackalloc char[256]);
        try
        {
            CacheKeys.WriteVariant(ref key, marker.Key, marker.VaryHeaders, headers);
            if (store.TryGetFromMemory(key.Span, out var item))
            {
                variantKey = item.Entry.Key;
                return item;
            }
            variantKey = key.ToString();
            return null;
        }
        finally
        {
            key.Dispose();
        }
    }
}
