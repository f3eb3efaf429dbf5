namespace EdgeCache.Degraded;

/// <summary>Degraded-mode behaviour from <c>EdgeCache:Degraded</c>.</summary>
public sealed class DegradedOptions
{
    /// <summary>Its configuration section.</summary>
    public const string Section = "EdgeCache:Degraded";

    /// <summary>
    /// How long a reader with a servable stale copy waits on a slow origin before getting the
    /// stale copy; the fetch goes on in the background to refresh it.
    /// </summary>
    public TimeSpan StaleDeadline { get; set; } = TimeSpan.FromMilliseconds(1500);

    /// <summary>Origin statuses treated as a failure (a stored copy is served instead when there is one).</summary>
    public List<int> FailureStatuses { get; set; } = [500, 502, 503, 504];

    /// <summary>
    /// Origin error statuses that a reader preferring HTML gets as the branded page (with the
    /// origin's status) when no stale copy can stand in; every other client, and every other
    /// status, gets the origin's own answer. A rule's <c>BrandOriginErrors</c> can turn it off.
    /// </summary>
    public List<int> BrandedOriginStatuses { get; set; } = [500, 502, 503, 504];

    /// <summary>Seconds in the <c>Retry-After</c> of error pages.</summary>
    public int RetryAfterSeconds { get; set; } = 30;

    /// <summary>The templates folder, relative to the content root unless absolute.</summary>
    public string TemplatesPath { get; set; } = "templates";

    /// <summary>The status page's path on the public listener.</summary>
    public string StatusPath { get; set; } = "/_edge/status";
}
