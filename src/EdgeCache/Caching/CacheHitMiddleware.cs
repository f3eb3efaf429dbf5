using EdgeCache.Caching.Entries;
using EdgeCache.Caching.Keys;
using EdgeCache.Caching.Policy;
using EdgeCache.Caching.Stores;
using EdgeCache.Coverage;
using EdgeCache.Degraded;
using EdgeCache.Metrics;
using EdgeCache.Rules;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeCache.Caching;

/// <summary>
/// The hit fast path, ahead of routing and of YARP's pipeline: a GET or HEAD whose entry is in
/// the memory tier and fresh (or stale while its site is known down) is answered here, from the
/// stored headers and body, without route matching, load balancing or origin contact. Everything
/// else goes on to
/// <see cref="CacheMiddleware"/> unchanged, which decides exactly as it would have:
/// <code>
/// not GET/HEAD, the status page, a bypass rule     → routed path
/// no memory-tier entry (or variant) for the key    → routed path (disk, Redis, the origin)
/// entry not yet served by a routed request         → routed path (it learns the entry's site)
/// reload requested, warming, refresh-ahead due     → routed path
/// fresh                                            → the hit, here
/// stale, site degraded, within stale-if-error      → the stale copy, here (detail=origin-down;
///                                                    no point revalidating against a dead origin)
/// otherwise (stale-while-revalidate, stale)        → routed path
/// </code>
/// The <c>Age</c> and <c>Cache-Status</c> values are built once per second of an entry's life
/// and shared by every hit in that second; the body is written from the stored bytes.
/// </summary>
internal sealed class CacheHitMiddleware
{
    private readonly RequestDelegate _next;
    private readonly RuleSetProvider _rules;
    private readonly MemoryStore _memory;
    private readonly TrafficTracker _traffic;
    private readonly Warming.WarmMarker _warmMarker;
    private readonly EdgeCacheMetrics _metrics;
    private readonly IOptionsMonitor<CacheOptions> _options;
    private readonly IOptionsMonitor<CoverageOptions> _coverage;
    private readonly IOptionsMonitor<DegradedOptions> _degraded;
    private readonly StaleResponder _stale;
    private readonly Origin.OriginHealthMonitor _health;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public CacheHitMiddleware(RequestDelegate next, RuleSetProvider rules, TieredStore store, TrafficTracker traffic,
        Warming.WarmMarker warmMarker, EdgeCacheMetrics metrics, IOptionsMonitor<CacheOptions> options,
        IOptionsMonitor<CoverageOptions> coverage, IOptionsMonitor<DegradedOptions> degraded, StaleResponder stale,
        Origin.OriginHealthMonitor health, TimeProvider time, ILogger<CacheMiddleware> logger)
    {
        _next = next;
        _rules = rules;
        _memory = store.Memory;
        _traffic = traffic;
        _warmMarker = warmMarker;
        _metrics = metrics;
        _options = options;
        _coverage = coverage;
        _degraded = degraded;
        _stale = stale;
        _health = health;
        _time = time;
        _logger = logger;
    }

    public Task InvokeAsync(HttpContext context)
    {
        var started = _time.GetTimestamp();
        var answer = Find(context, out var item, out var primaryKey, out var rule, out var now);
        if (answer == Answer.Route)
        {
            return _next(context);
        }
        var site = item.Site!;
        _traffic.Record(primaryKey, site, context.Request);
        Task write;
        string outcome;
        if (answer == Answer.Hit)
        {
            var (age, cacheStatus) = HeaderValues(item, now);
            write = CachedResponseWriter.WriteAsync(context, item.Entry, age, cacheStatus);
            outcome = CacheMiddleware.Outcomes.Hit;
        }
        else
        {
            write = _stale.WriteAsync(context, item.Entry, rule, site, "origin-down");
            outcome = CacheMiddleware.Outcomes.Stale;
        }
        _metrics.Request(site, outcome);
        if (_options.CurrentValue.AccessLog)
        {
            CacheMiddleware.LogAccess(_logger, context.Request.Method, context.Request.Host.Value ?? "", context.Request.Path.Value ?? "",
                context.Response.StatusCode, outcome, _time.GetElapsedTime(started).TotalMilliseconds);
        }
        return write;
    }

    private enum Answer
    {
        /// <summary>Not for the fast path: routing, YARP and <see cref="CacheMiddleware"/> decide.</summary>
        Route,

        /// <summary>A fresh hit.</summary>
        Hit,

        /// <summary>The site is degraded (every origin down) and the stale copy is within stale-if-error.</summary>
        StaleOriginDown,
    }

    private Answer Find(HttpContext context, out MemoryItem item, out string primaryKey, out CacheRule rule, out DateTimeOffset now)
    {
        item = null!;
        primaryKey = null!;
        rule = CacheRule.Default;
        now = default;
        var request = context.Request;
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
        {
            return Answer.Route;
        }
        var path = request.Path.Value ?? "/";
        if (path.Equals(_degraded.CurrentValue.StatusPath, StringComparison.OrdinalIgnoreCase))
        {
            return Answer.Route;
        }
        rule = _rules.Current.Match(request.Host, path);
        if (CachePolicy.BypassReason(request.Method, request.Headers, rule) is not null
            || CachePolicy.ClientRequiresReload(request.Headers, _options.CurrentValue)
            || _warmMarker.IsWarming(request))
        {
            return Answer.Route;
        }

        // The key is spelt on the stack: a hit makes no key string (the stored entry has it).
        var key = new KeyBuilder(stackalloc char[256]);
        try
        {
            CacheKeys.WritePrimary(ref key, request, rule);
            if (!_memory.TryGet(key.Span, out item))
            {
                return Answer.Route;
            }
        }
        finally
        {
            key.Dispose();
        }
        primaryKey = item.Entry.Key;
        if (item.Entry.Kind == CacheEntryKind.VaryMarker && !TryGetVariant(item.Entry, request.Headers, out item))
        {
            return Answer.Route;
        }
        if (item.Site is null || item.Entry.Kind != CacheEntryKind.Response)
        {
            return Answer.Route;
        }
        now = _time.GetUtcNow();
        var credentials = item.Entry.HeuristicFreshness ? CachePolicy.CredentialsOf(request.Headers) : RequestCredentials.None;
        return CachePolicy.Classify(item.Entry, now, credentials) switch
        {
            Freshness.Fresh when !CacheMiddleware.ShouldRefreshAhead(_coverage.CurrentValue, item.Entry, now, _traffic.VolumeOf(primaryKey)) => Answer.Hit,
            // Known down: exactly what the routed path would serve, without routing to a dead origin first.
            Freshness.Stale or Freshness.StaleWhileRevalidate when _health.IsDegraded(item.Site) && CachePolicy.CanServeStaleOnError(item.Entry, now) => Answer.StaleOriginDown,
            _ => Answer.Route,
        };
    }

    private bool TryGetVariant(CacheEntry marker, IHeaderDictionary headers, out MemoryItem item)
    {
        var key = new KeyBuilder(stackalloc char[256]);
        try
        {
            CacheKeys.WriteVariant(ref key, marker.Key, marker.VaryHeaders, headers);
            return _memory.TryGet(key.Span, out item);
        }
        finally
        {
            key.Dispose();
        }
    }

    /// <summary>The hit's <c>Age</c> and <c>Cache-Status</c>, reused while both stay in the same whole seconds.</summary>
    private static (string Age, string CacheStatus) HeaderValues(MemoryItem item, DateTimeOffset now)
    {
        var ageSeconds = CachedResponseWriter.AgeSeconds(item.Entry, now);
        var ttlSeconds = CacheStatus.Seconds(item.Entry.TimeToLive(now));
        if (item.HitHeaders is not { } values || values.AgeSeconds != ageSeconds || values.TtlSeconds != ttlSeconds)
        {
            values = new HitHeaderValues(ageSeconds, ttlSeconds,
                ageSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture), CacheStatus.Hit(ttlSeconds));
            item.HitHeaders = values;
        }
        return (values.Age, values.CacheStatus);
    }
}
