using EdgeCache.Caching.Entries;
using EdgeCache.Caching.Keys;
using EdgeCache.Caching.Policy;
using EdgeCache.Caching.Stores;
using EdgeCache.Coverage;
using EdgeCache.Degraded;
using EdgeCache.Metrics;
using EdgeCache.Origin;
using EdgeCache.Rules;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace EdgeCache.Caching;

/// <summary>
/// The cache, as a step of YARP's proxy pipeline (after load balancing picked a destination).
/// <code>
/// 1. Not cacheable by method or rule      → YARP forwards it untouched (fwd=bypass / fwd=method);
///                                           if the origin fails, the friendly error page.
/// 2. Build the key, look it up (memory, then disk); a Vary marker selects the variant; a store error is a miss.
/// 3. Fresh                                → serve the hit.
/// 4. Stale within stale-while-revalidate  → serve it, start one background refresh for the key.
/// 5. Otherwise fetch, one fetch per key (coalesced), conditional when the copy has validators.
///    In degraded mode (no destination up) the fetch fails at once, without contacting the origin.
///    With a servable stale copy, wait at most the stale deadline; the fetch goes on in the background.
///    304 → refresh the stored copy; storable → store; uncacheable → only the leader gets it.
/// 6. The origin failed                    → the stale copy within stale-if-error, else the error page.
/// </code>
/// Every response gets <c>Cache-Status</c>; every response from an entry gets <c>Age</c>.
/// </summary>
internal sealed partial class CacheMiddleware
{
    private readonly RequestDelegate _next;
    private readonly RuleSetProvider _rules;
    private readonly TieredStore _store;
    private readonly OriginFetcher _fetcher;
    private readonly FetchCoordinator _coordinator;
    private readonly ErrorPageWriter _errorPages;
    private readonly StaleResponder _stale;
    private readonly EdgeCacheMetrics _metrics;
    private readonly TrafficTracker _traffic;
    private readonly Warming.WarmMarker _warmMarker;
    private readonly Protection.OriginLimiter _limiter;
    private readonly OriginHealthMonitor _health;
    private readonly IOptionsMonitor<CoverageOptions> _coverage;
    private readonly IOptionsMonitor<CacheOptions> _options;
    private readonly IOptionsMonitor<DegradedOptions> _degraded;
    private readonly TimeProvider _time;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ILogger _logger;

    public CacheMiddleware(RequestDelegate next, RuleSetProvider rules, TieredStore store, OriginFetcher fetcher,
        FetchCoordinator coordinator, ErrorPageWriter errorPages, StaleResponder stale, EdgeCacheMetrics metrics, TrafficTracker traffic, IOptionsMonitor<CoverageOptions> coverage, Warming.WarmMarker warmMarker, Protection.OriginLimiter limiter, OriginHealthMonitor health,
        IOptionsMonitor<CacheOptions> options, IOptionsMonitor<DegradedOptions> degraded, TimeProvider time,
        IHostApplicationLifetime lifetime, ILogger<CacheMiddleware> logger)
    {
        _next = next;
        _rules = rules;
        _store = store;
        _fetcher = fetcher;
        _coordinator = coordinator;
        _errorPages = errorPages;
        _stale = stale;
        _metrics = metrics;
        _traffic = traffic;
        _warmMarker = warmMarker;
        _limiter = limiter;
        _health = health;
        _coverage = coverage;
        _options = options;
        _degraded = degraded;
        _time = time;
        _lifetime = lifetime;
        _logger = logger;
    }

    public async Task InvokeAsync(HttpContext context)
    {
        var started = _time.GetTimestamp();
        var site = context.Features.Get<IReverseProxyFeature>()?.Cluster.Config.ClusterId ?? "none";
        var outcome = await HandleAsync(context, site);
        _metrics.Request(site, outcome);
        if (_options.CurrentValue.AccessLog)
        {
            LogAccess(_logger, context.Request.Method, context.Request.Host.Value ?? "", context.Request.Path.Value ?? "",
                context.Response.StatusCode, outcome, _time.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    /// <returns>The cache outcome for metrics: hit, miss, stale, revalidated, bypass, error_page.</returns>
    private async Task<string> HandleAsync(HttpContext context, string site)
    {
        var request = context.Request;
        var options = _options.CurrentValue;
        var rule = _rules.Current.Match(request.Host, request.Path.Value ?? "/");

        // Step 1: requests the cache does not handle go through YARP untouched.
        var bypass = CachePolicy.BypassReason(request.Method, request.Headers, rule);
        if (bypass is not null)
        {
            return await ForwardAsync(context, bypass == "method" ? CacheStatus.Forward("method") : CacheStatus.Forward("bypass", detail: bypass), "bypass");
        }

        // Step 2: key and lookup.
        var primaryKey = CacheKeys.Primary(request, rule);
        // Warming requests are background work: they neither count as reader traffic nor queue for the origin.
        var background = _warmMarker.IsWarming(request);
        var volume = background ? _traffic.VolumeOf(primaryKey) : _traffic.Record(primaryKey, site, request);
        var (entry, key, varyMiss) = await LookupAsync(primaryKey, request.Headers, context.RequestAborted);
        var now = _time.GetUtcNow();
        var reload = CachePolicy.ClientRequiresReload(request.Headers, options);

        if (entry is not null && !reload)
        {
            switch (CachePolicy.Classify(entry, now, CachePolicy.CredentialsOf(request.Headers)))
            {
                // Step 3: fresh.
                case Freshness.Fresh:
                    if (ShouldRefreshAhead(_coverage.CurrentValue, entry, now, volume))
                    {
                        StartBackgroundRefresh(context, key, primaryKey, entry, rule);
                    }
                    await CachedResponseWriter.WriteAsync(context, entry, now, CacheStatus.Hit(entry.TimeToLive(now)));
                    _store.Memory.RememberSite(key, site); // later hits on this entry can take the fast path
                    return Outcomes.Hit;

                // Step 4: stale-while-revalidate.
                case Freshness.StaleWhileRevalidate:
                    StartBackgroundRefresh(context, key, primaryKey, entry, rule);
                    await CachedResponseWriter.WriteAsync(context, entry, now,
                        CacheStatus.Hit(entry.TimeToLive(now), detail: "stale-while-revalidate"));
                    return Outcomes.Hit;
            }
        }

        // Step 5: fetch, coalesced per key.
        var target = OriginTarget.From(context.Features.Get<IReverseProxyFeature>());
        if (target is null && entry is not null && CachePolicy.CanServeStaleOnError(entry, now))
        {
            // Degraded: the origin is known down. Serve the copy at once; the probes find the recovery.
            return await SendStaleAsync(context, entry, rule, site, "origin-down");
        }
        var originRequest = OriginRequest.From(request);
        var fetch = _coordinator.Run(key,
            () => FetchAndStoreAsync(originRequest, target, primaryKey, key, entry, rule, request.Headers, background),
            CachePolicy.CredentialsOf(request.Headers) != RequestCredentials.None, out var isLeader);
        FetchResult result;
        try
        {
            if (entry is not null && CachePolicy.CanServeStaleOnError(entry, now))
            {
                result = await fetch.WaitAsync(_degraded.CurrentValue.StaleDeadline, _time, context.RequestAborted);
            }
            else
            {
                // Nothing stored to fall back on: wait for the origin, but not past the moment the
                // probes declare it dead (a hung origin would otherwise hold the reader to the timeout).
                var degraded = target is null ? Task.CompletedTask : _health.WhenDegraded(target.ClusterId);
                if (await Task.WhenAny(fetch, degraded).WaitAsync(context.RequestAborted) != fetch)
                {
                    await _errorPages.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "origin-down");
                    return Outcomes.ErrorPage;
                }
                result = await fetch;
            }
        }
        catch (TimeoutException)
        {
            return await SendStaleAsync(context, entry!, rule, site, "deadline");
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return Outcomes.Miss;
        }

        if (!isLeader)
        {
            _metrics.Coalesced();
        }
        if (!isLeader && !IsUsableByWaiter(result, primaryKey, request.Headers, _time.GetUtcNow()))
        {
            // Not reusable by this reader without asking the origin (not stored, not fresh, too
            // large, another variant): it fetches for itself, alongside the other waiters.
            result = await FetchAndStoreAsync(originRequest, target, primaryKey, key, entry, rule, request.Headers, background);
            isLeader = true;
        }
        return await SendAsync(context, result, entry, rule, site, isLeader, reload, varyMiss);
    }

    private async Task<string> SendAsync(HttpContext context, FetchResult result, CacheEntry? stale, CacheRule rule, string site, bool isLeader, bool reload, bool varyMiss)
    {
        var now = _time.GetUtcNow();
        var fwd = reload ? "request" : stale is not null ? "stale" : varyMiss ? "vary-miss" : "miss";
        var originStatus = result.Origin.StatusCode;
        switch (result.Kind)
        {
            case FetchKind.Stored:
            case FetchKind.Revalidated:
                var entry = result.Entry!;
                await CachedResponseWriter.WriteAsync(context, entry, now, CacheStatus.Forward(fwd,
                    fwdStatus: stale is not null ? originStatus : null, stored: true, ttl: entry.TimeToLive(now), collapsed: !isLeader));
                _store.Memory.RememberSite(entry.Key, site);
                return result.Kind == FetchKind.Revalidated ? Outcomes.Revalidated : Outcomes.Miss;

            case FetchKind.Uncacheable:
                await CachedResponseWriter.WriteAsync(context, result.Entry!, now,
                    CacheStatus.Forward(fwd, fwdStatus: stale is not null ? originStatus : null, detail: result.Detail));
                return Outcomes.Miss;

            case FetchKind.TooLarge:
                // Too large to store: YARP streams it straight through, uncached.
                return await ForwardAsync(context, CacheStatus.Forward("miss", detail: "too-large"), Outcomes.Miss);

            case FetchKind.Failed:
                // Step 6: the origin failed.
                if (stale is not null && CachePolicy.CanServeStaleOnError(stale, now))
                {
                    return await SendStaleAsync(context, stale, rule, site, result.Detail);
                }
                await _errorPages.WriteAsync(context, result.Origin.FailureStatus, result.Detail);
                return Outcomes.ErrorPage;
        }
        return Outcomes.Miss;
    }

    private async Task<string> SendStaleAsync(HttpContext context, CacheEntry stale, CacheRule rule, string site, string reason)
    {
        await _stale.WriteAsync(context, stale, rule, site, reason);
        return Outcomes.Stale;
    }

    /// <summary>Lets YARP forward the request untouched; if the origin fails before anything was sent, the friendly error page.</summary>
    private async Task<string> ForwardAsync(HttpContext context, string cacheStatus, string outcome)
    {
        if (context.Features.Get<IReverseProxyFeature>() is { } proxy && OriginTarget.IsDegraded(proxy))
        {
            // Every origin is down: answer now rather than hold the reader on a dead or hung origin.
            await _errorPages.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "origin-down");
            return Outcomes.ErrorPage;
        }
        var keepTagHeaders = _options.CurrentValue.ForwardTagHeaders;
        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            headers.Append(CacheStatus.HeaderName, cacheStatus);
            if (!keepTagHeaders)
            {
                foreach (var name in CacheEntryFactory.TagHeaders)
                {
                    headers.Remove(name);
                }
            }
            return Task.CompletedTask;
        });
        var clusterId = context.Features.Get<IReverseProxyFeature>()?.Cluster.Config.ClusterId ?? "";
        using (var slot = await _limiter.AcquireAsync(clusterId, background: false, context.RequestAborted))
        {
            if (!slot.IsAcquired)
            {
                await _errorPages.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "origin-busy");
                return Outcomes.ErrorPage;
            }
            await _next(context);
        }
        if (!context.Response.HasStarted && context.Features.Get<IForwarderErrorFeature>() is { } error)
        {
            var failure = new OriginResponse(OriginOutcome.Failed, context.Response.StatusCode, new HeaderDictionary(), default,
                default, default, error.Error);
            context.Response.Clear();
            await _errorPages.WriteAsync(context, failure.FailureStatus, failure.FailureDetail);
            return Outcomes.ErrorPage;
        }
        return outcome;
    }

    private async Task<(CacheEntry? Entry, string Key, bool VaryMiss)> LookupAsync(string primaryKey, IHeaderDictionary headers, CancellationToken cancellationToken)
    {
        var entry = await _store.GetAsync(primaryKey, cancellationToken);
        if (entry is not { Kind: CacheEntryKind.VaryMarker })
        {
            return (entry, primaryKey, false);
        }
        var variantKey = CacheKeys.Variant(primaryKey, entry.VaryHeaders, headers);
        var variant = await _store.GetAsync(variantKey, cancellationToken);
        return (variant is { Kind: CacheEntryKind.Response } ? variant : null, variantKey, variant is null);
    }

    /// <summary>
    /// A coalesced waiter gets the leader's result only when the cache could have served it that
    /// result without asking the origin: stored, fresh now, and of the waiter's Vary variant.
    /// A failure or a too-large answer carries nothing of the leader's: each waiter then answers
    /// from its own stale copy or the error page, or forwards its own request.
    /// </summary>
    private static bool IsUsableByWaiter(FetchResult result, string primaryKey, IHeaderDictionary headers, DateTimeOffset now)
    {
        switch (result.Kind)
        {
            case FetchKind.Failed or FetchKind.TooLarge:
                return true;
            case FetchKind.Stored or FetchKind.Revalidated:
                var entry = result.Entry!;
                return CachePolicy.IsReusableWithoutValidation(entry, now, CachePolicy.CredentialsOf(headers))
                    && (entry.VaryHeaders.Length == 0 || CacheKeys.Variant(primaryKey, entry.VaryHeaders, headers) == entry.Key);
            default:
                return false;
        }
    }

    /// <summary>
    /// Fetches from the origin (conditionally when a stored copy has validators), decides
    /// storability, and stores. <paramref name="background"/> fetches never queue for the origin.
    /// </summary>
    private async Task<FetchResult> FetchAndStoreAsync(OriginRequest request, OriginTarget? target, string primaryKey,
        string key, CacheEntry? stored, CacheRule rule, IHeaderDictionary requestHeaders, bool background)
    {
        var options = _options.CurrentValue;
        var origin = await _fetcher.FetchAsync(request, target, stored?.ETag, stored?.LastModified, background, _lifetime.ApplicationStopping);
        var credentials = CachePolicy.CredentialsOf(requestHeaders);

        switch (origin.Outcome)
        {
            case OriginOutcome.TooLarge:
                return new FetchResult(FetchKind.TooLarge, null, origin, "too-large");
            case OriginOutcome.Failed:
                LogOriginFailed(_logger, key, origin.FailureDetail, origin.Error.ToString());
                return new FetchResult(FetchKind.Failed, null, origin, origin.FailureDetail);
        }

        if (_degraded.CurrentValue.FailureStatuses.Contains(origin.StatusCode))
        {
            // An error never replaces a stored copy.
            LogOriginFailed(_logger, key, "origin-error", origin.StatusCode.ToString());
            return new FetchResult(FetchKind.Failed, null, origin, "origin-error");
        }

        if (origin.StatusCode == StatusCodes.Status304NotModified && stored is not null)
        {
            var merged = CachePolicy.MergeNotModified(stored.Headers, origin.Headers);
            // The 304 confirms the stored (already shared) response; a cookie does not make it private.
            var refreshed = CachePolicy.EvaluateResponse(stored.StatusCode, merged, credentials & ~RequestCredentials.Cookie, rule, options,
                origin.RequestTime, origin.ResponseTime);
            var updated = CacheEntryFactory.Create(stored.Key, stored.StatusCode, merged, stored.Body, refreshed, rule, origin.ResponseTime, options.ForwardTagHeaders);
            // The stored headers no longer carry the origin's tag fields (consumed at store time): keep the tags.
            updated = updated with { Tags = [.. stored.Tags.Union(updated.Tags, StringComparer.Ordinal).Order(StringComparer.Ordinal)] };
            if (!refreshed.Storable)
            {
                await _store.RemoveAsync(stored.Key, CancellationToken.None);
                return new FetchResult(FetchKind.Uncacheable, updated, origin, refreshed.Reason);
            }
            await _store.SetAsync(updated, CancellationToken.None);
            return new FetchResult(FetchKind.Revalidated, updated, origin, "revalidated");
        }

        var decision = CachePolicy.EvaluateResponse(origin.StatusCode, origin.Headers, credentials, rule, options,
            origin.RequestTime, origin.ResponseTime);
        if (!decision.Storable)
        {
            var transient = CacheEntryFactory.Transient(key, origin.StatusCode, origin.Headers, origin.Body, origin.ResponseTime, options.ForwardTagHeaders);
            return new FetchResult(FetchKind.Uncacheable, transient, origin, decision.Reason);
        }

        var vary = CacheKeys.ParseVary(origin.Headers.Vary);
        var entryKey = primaryKey;
        if (vary.Length > 0)
        {
            await _store.SetAsync(CacheEntryFactory.VaryMarker(primaryKey, vary, origin.ResponseTime), CancellationToken.None);
            entryKey = CacheKeys.Variant(primaryKey, vary, requestHeaders);
        }
        var entry = CacheEntryFactory.Create(entryKey, origin.StatusCode, origin.Headers, origin.Body, decision, rule, origin.ResponseTime, options.ForwardTagHeaders);
        await _store.SetAsync(entry, CancellationToken.None);
        return new FetchResult(FetchKind.Stored, entry, origin, "stored");
    }

    /// <summary>
    /// Refresh-ahead: a popular entry close to going stale is revalidated in the background
    /// (conditionally, so an unchanged page costs a 304), so readers keep getting fresh hits.
    /// </summary>
    internal static bool ShouldRefreshAhead(CoverageOptions options, CacheEntry entry, DateTimeOffset now, double volume)
    {
        return options.RefreshAhead
            && volume >= options.RefreshAheadMinRequests
            && entry.TimeToLive(now) < entry.FreshnessLifetime * options.RefreshAheadFraction;
    }

    private void StartBackgroundRefresh(HttpContext context, string key, string primaryKey, CacheEntry stale, CacheRule rule)
    {
        var request = OriginRequest.From(context.Request);
        var target = OriginTarget.From(context.Features.Get<IReverseProxyFeature>());
        var headers = new HeaderDictionary(context.Request.Headers.ToDictionary(h => h.Key, h => h.Value, StringComparer.OrdinalIgnoreCase));
        _coordinator.TryStart(key, async () =>
        {
            try
            {
                return await FetchAndStoreAsync(request, target, primaryKey, key, stale, rule, headers, background: true);
            }
            catch (Exception ex)
            {
                LogBackgroundRefreshFailed(_logger, key, ex);
                throw;
            }
        });
    }

    /// <summary>The values of the <c>outcome</c> label.</summary>
    internal static class Outcomes
    {
        public const string Hit = "hit";
        public const string Miss = "miss";
        public const string Stale = "stale";
        public const string Revalidated = "revalidated";
        public const string ErrorPage = "error_page";
    }

    [LoggerMessage(EventId = 1000, EventName = "Access", Level = LogLevel.Information,
        Message = "{Method} {Host}{Path} {Status} {Outcome} {ElapsedMs:0.0} ms")]
    internal static partial void LogAccess(ILogger logger, string method, string host, string path, int status, string outcome, double elapsedMs);

    [LoggerMessage(EventId = 1001, EventName = "OriginFetchFailed", Level = LogLevel.Debug,
        Message = "Origin fetch for {Key} failed: {Reason} ({Error})")]
    private static partial void LogOriginFailed(ILogger logger, string key, string reason, string error);

    [LoggerMessage(EventId = 1003, EventName = "BackgroundRefreshFailed", Level = LogLevel.Warning,
        Message = "Background refresh of {Key} failed")]
    private static partial void LogBackgroundRefreshFailed(ILogger logger, string key, Exception exception);
}
