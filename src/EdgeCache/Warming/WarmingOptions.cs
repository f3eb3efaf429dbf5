namespace EdgeCache.Warming;

/// <summary>Continuous warming, <c>EdgeCache:Warming</c>.</summary>
public sealed class WarmingOptions
{
    /// <summary>Its configuration section.</summary>
    public const string Section = "EdgeCache:Warming";

    /// <summary>Sitemaps (sitemap.xml, sitemap index files, gzip too) whose pages are kept in the cache.</summary>
    public List<string> Sitemaps { get; set; } = [];

    /// <summary>Single URLs kept in the cache.</summary>
    public List<string> Urls { get; set; } = [];

    /// <summary>Time between the starts of two warming cycles; a cycle never overlaps the previous one.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Warming requests started per second, at most.</summary>
    public double RequestsPerSecond { get; set; } = 5;

    /// <summary>Warming requests in flight at once, at most.</summary>
    public int Concurrency { get; set; } = 2;

    /// <summary>Most URLs one cycle takes from its sitemaps.</summary>
    public int MaxUrls { get; set; } = 50_000;
}
