namespace EdgeCache.Coverage;

/// <summary>Outage coverage and refresh-ahead, <c>EdgeCache:Coverage</c>.</summary>
public sealed class CoverageOptions
{
    /// <summary>Its configuration section.</summary>
    public const string Section = "EdgeCache:Coverage";

    /// <summary>Most keys whose recent request volume is remembered (the busiest stay).</summary>
    public int TrackedKeys { get; set; } = 10_000;

    /// <summary>Half-life of the decaying request counts: traffic this long ago counts half.</summary>
    public TimeSpan HalfLife { get; set; } = TimeSpan.FromMinutes(20);

    /// <summary>How often the coverage ratio is recomputed.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Revalidate popular entries shortly before they go stale.</summary>
    public bool RefreshAhead { get; set; } = true;

    /// <summary>Refresh-ahead starts when less than this fraction of the freshness lifetime is left.</summary>
    public double RefreshAheadFraction { get; set; } = 0.1;

    /// <summary>Recent (decayed) requests a key needs to count as popular for refresh-ahead.</summary>
    public double RefreshAheadMinRequests { get; set; } = 3;
}
