using Microsoft.Extensions.Configuration;

namespace EdgeCache.Hosting;

/// <summary>
/// The YARP configuration that <c>--origin URL</c> stands for: one catch-all route to one cluster
/// with one destination, and a backup destination for <c>--backup-origin URL</c>. It replaces the
/// <c>ReverseProxy</c> section rather than merging with it.
/// </summary>
internal static class OriginShortcut
{
    public const string RouteId = "origin";
    public const string ClusterId = "origin";

    public static IConfigurationSection Build(EdgeCacheOptions options)
    {
        // Health checks, timeouts and destination choice are every cluster's defaults (ClusterDefaults).
        var values = new Dictionary<string, string?>
        {
            [$"ReverseProxy:Routes:{RouteId}:ClusterId"] = ClusterId,
            [$"ReverseProxy:Routes:{RouteId}:Match:Path"] = "{**catch-all}",
            [$"ReverseProxy:Clusters:{ClusterId}:Destinations:origin:Address"] = options.Origin,
            // Stored entries belong to this origin: another --origin over the same cache folder is
            // another site. The cluster keeps its plain name, seen in metrics and on the status page.
            [$"ReverseProxy:Clusters:{ClusterId}:Metadata:{Caching.Keys.CacheOwner.MetadataKey}"] = Owner(options.Origin!),
        };
        if (!string.IsNullOrWhiteSpace(options.BackupOrigin))
        {
            values[$"ReverseProxy:Clusters:{ClusterId}:Destinations:backup:Address"] = options.BackupOrigin;
            values[$"ReverseProxy:Clusters:{ClusterId}:Destinations:backup:Metadata:{Origin.OriginHealth.BackupMetadata}"] = "true";
        }
        return new ConfigurationBuilder().AddInMemoryCollection(values).Build().GetSection("ReverseProxy");
    }

    /// <summary><c>origin</c> and the origin's address in one spelling (host lower-cased, default port dropped, a trailing slash).</summary>
    internal static string Owner(string origin) =>
        $"{ClusterId} {(Uri.TryCreate(origin, UriKind.Absolute, out var uri) ? uri.AbsoluteUri : origin)}";

}
