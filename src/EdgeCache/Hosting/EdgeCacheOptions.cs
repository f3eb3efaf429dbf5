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

    /// <summary>Where the proxy's own endpoints listen (<c>--management-urls</c>), semicolon-separated.</summary>
    public string ManagementUrls { get; set; } = "http://127.0.0.1:9091";
}
