using EdgeCache.Caching.Entries;
using EdgeCache.Coverage;

namespace EdgeCache.Caching.Policy;

/// <summary>What the cache does with a GET or HEAD, decided once from the facts, in one place.</summary>
internal enum RequestAction
{
    /// <summary>Not for the cache (rule, credentials, upgrade): forwarded untouched.</summary>
    Bypass,

    /// <summary>Fresh: served from the entry.</summary>
    Hit,

    /// <summary>Fresh, but popular and close to going stale: served, and revalidated in the background.</summary>
    HitRefreshAhead,

    /// <summary>Stale within stale-while-revalidate: served, and refreshed in the background.</summary>
    StaleWhileRevalidate,

    /// <summary>Every origin of the site is known down and the copy may stand in for it: served, origin untouched.</summary>
    StaleOriginDown,

    /// <summary>The origin failed this key within its backoff and the copy may stand in: served, origin untouched.</summary>
    StaleOriginFailing,

    /// <summary>Asked of the origin (coalesced per key); see <see cref="FetchWait"/>.</summary>
    Fetch,
}

/// <summary>How long a reader waits on a fetch.</summary>
internal enum FetchWait
{
    /// <summary>Nothing servable is stored: until the origin answers, or until it is declared down.</summary>
    UntilAnsweredOrDown,

    /// <summary>A stale copy may stand in: at most the stale deadline, then the copy.</summary>
    AtMostStaleDeadline,
}

/// <summary>The facts of the request that the decision needs (no headers, no I/O).</summary>
/// <param name="BypassReason">Why the request must not use the cache, or null.</param>
/// <param name="Reload">The reader asked for an end-to-end reload and the cache honours it.</param>
/// <param name="Credentials">What identifies the reader.</param>
internal readonly record struct RequestFacts(string? BypassReason, bool Reload, RequestCredentials Credentials);

internal readonly record struct RequestDecision(RequestAction Action, FetchWait Wait = FetchWait.UntilAnsweredOrDown);

/// <summary>What is known of the origin for this request's key.</summary>
internal enum OriginState
{
    /// <summary>The site has a destination up and the key is not backing off.</summary>
    Up,

    /// <summary>The origin failed this key recently; it is within its backoff (<see cref="Fetching.FailureBackoff"/>).</summary>
    KeyFailing,

    /// <summary>No destination of the site is up: the site is degraded.</summary>
    SiteDown,
}

/// <summary>
/// The one decision of the request path, pure: the same facts give the same answer before routing
/// and inside YARP's pipeline.
/// <code>
/// bypass reason                                      → Bypass
/// entry fresh for this reader (not a reload)         → Hit, or HitRefreshAhead when due
/// site degraded, entry within stale-if-error         → StaleOriginDown (before stale-while-revalidate:
///                                                      a refresh of a dead origin is pointless)
/// key backing off, entry within stale-if-error       → StaleOriginFailing (likewise)
/// entry within stale-while-revalidate (not a reload) → StaleWhileRevalidate
/// otherwise                                          → Fetch, waiting at most the stale deadline when
///                                                      the entry may stand in for a failed origin
/// </code>
/// </summary>
internal static class RequestDecider
{
    public static RequestDecision Decide(RequestFacts request, CacheEntry? entry, DateTimeOffset now, OriginState origin, bool refreshAheadDue)
    {
        if (request.BypassReason is not null)
        {
            return new RequestDecision(RequestAction.Bypass);
        }
        if (entry is null)
        {
            return new RequestDecision(RequestAction.Fetch);
        }
        var freshness = CachePolicy.Classify(entry, now, request.Credentials);
        if (freshness == Freshness.Fresh && !request.Reload)
        {
            return new RequestDecision(refreshAheadDue ? RequestAction.HitRefreshAhead : RequestAction.Hit);
        }
        var servableOnError = CachePolicy.CanServeStaleOnError(entry, now);
        if (origin != OriginState.Up && servableOnError)
        {
            return new RequestDecision(origin == OriginState.SiteDown ? RequestAction.StaleOriginDown : RequestAction.StaleOriginFailing);
        }
        if (freshness == Freshness.StaleWhileRevalidate && !request.Reload)
        {
            return new RequestDecision(RequestAction.StaleWhileRevalidate);
        }
        return new RequestDecision(RequestAction.Fetch, servableOnError ? FetchWait.AtMostStaleDeadline : FetchWait.UntilAnsweredOrDown);
    }

    /// <summary>
    /// Refresh-ahead: a popular entry close to going stale is revalidated in the background
    /// (conditionally, so an unchanged page costs a 304), so readers keep getting fresh hits.
    /// </summary>
    public static bool IsRefreshAheadDue(CoverageOptions options, CacheEntry entry, DateTimeOffset now, double volume) =>
        options.RefreshAhead
        && volume >= options.RefreshAheadMinRequests
        && entry.TimeToLive(now) < entry.FreshnessLifetime * options.RefreshAheadFraction;
}
