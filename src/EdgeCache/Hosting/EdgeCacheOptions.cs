namespace EdgeCache.Hosting;

/// <summary>Top-level settings from <c>EdgeCache</c>.</summary>
public sealed class EdgeCacheOptions
{
    public const string Section = "EdgeCache";

    /// <summary>
    /// One origin for everything (<c>--origin</c>), like <c>varnishd -b</c>. When set, it replaces
    /// the <c>ReverseProxy</c> section.
    /// </summary>
    public string? Origin { get; set; }

    /// <summary>
    /// The health probe path for the <see cref="Origin"/> shortcut (<c>--health-path</c>), probed
    /// every 2 s; two failures in a row mark the origin down.
    /// </summary>
    public string HealthPath { get; set; } = "/";

    /// <summary>How often the <see cref="Origin"/> shortcut probes the origin.</summary>
    public TimeSpan HealthInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a probe may take before it counts as a failure.</summary>
    public TimeSpan HealthTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long the <see cref="Origin"/> shortcut waits on a silent origin before giving up (YARP's ActivityTimeout).</summary>
    public TimeSpan OriginTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Where the proxy's own endpoints listen (<c>--management-urls</c>), semicolon-separated.</summary>
    public string ManagementUrls { get; set; } = "http://127.0.0.1:9091";
}
