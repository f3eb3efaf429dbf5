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
    /// A backup for the <see cref="Origin"/> shortcut (<c>--backup-origin</c>): another region or a
    /// static mirror, asked only while the origin is down.
    /// </summary>
    public string? BackupOrigin { get; set; }

    /// <summary>
    /// The health probe path (<c>--health-path</c>) of every cluster that names none, probed every
    /// 2 s; two failed probes in a row (no answer, or a 5xx) mark the destination down.
    /// </summary>
    public string HealthPath { get; set; } = "/";

    /// <summary>How often each destination is probed (clusters that set no interval).</summary>
    public TimeSpan HealthInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a probe may take before it counts as a failure.</summary>
    public TimeSpan HealthTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a request waits on a silent origin before giving up (YARP's ActivityTimeout, for clusters that set none).</summary>
    public TimeSpan OriginTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Where the proxy's own endpoints listen (<c>--management-urls</c>), semicolon-separated.</summary>
    public string ManagementUrls { get; set; } = "http://127.0.0.1:9091";
}
