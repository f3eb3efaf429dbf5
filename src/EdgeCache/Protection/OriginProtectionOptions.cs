namespace EdgeCache.Protection;

/// <summary>Origin protection, <c>EdgeCache:OriginProtection</c>.</summary>
public sealed class OriginProtectionOptions
{
    /// <summary>Its configuration section.</summary>
    public const string Section = "EdgeCache:OriginProtection";

    /// <summary>Most requests in flight to one cluster at a time (0: no cap).</summary>
    public int MaxConcurrentRequests { get; set; } = 128;

    /// <summary>
    /// Most background requests (refreshes, warming) in flight to one cluster at a time (0: only
    /// the overall cap). Past it a refresh is skipped and the next reader of the page tries again,
    /// so a hung or failing origin is met by a handful of requests, not one per page.
    /// </summary>
    public int MaxBackgroundRequests { get; set; } = 16;

    /// <summary>
    /// Most origin requests one client (an IPv4 address, an IPv6 /64) may have in flight or waiting
    /// for a slot, per cluster (0: no cap). Past it that client's request gets a stale copy or a
    /// friendly 503, so one client's slow or hostile requests never take every slot from other readers.
    /// Requests coalesced on one fetch hold one slot; hits hold none. Behind a load balancer that
    /// hides readers' addresses, raise it or turn it off.
    /// </summary>
    public int MaxConcurrentRequestsPerClient { get; set; } = 32;

    /// <summary>Readers waiting for a slot beyond the cap; past it they get a stale copy or a friendly 503.</summary>
    public int QueueLength { get; set; } = 256;

    /// <summary>Per-client rate limit (requests per second per client IP; 0: off). Past it, a friendly 429.</summary>
    public int ClientRequestsPerSecond { get; set; }

    /// <summary>Burst allowed above the per-client rate.</summary>
    public int ClientBurst { get; set; } = 50;
}
