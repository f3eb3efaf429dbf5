using Yarp.ReverseProxy.Model;

namespace EdgeCache.Caching.Keys;

/// <summary>
/// Whose a stored entry is: the site (YARP cluster) whose origin answered it, as nginx's key holds
/// <c>$proxy_host</c>. A key names a URL; the owner says which origin's answer for it is stored, so
/// an entry is served only to requests routed to that same site. A <c>ReverseProxy</c> cluster owns
/// its entries by its id (they survive restarts and destination changes while the id stays, like an
/// nginx upstream name); the <c>--origin</c> shortcut's cluster, always called <c>origin</c>, owns
/// them by the origin's address too (<see cref="Hosting.OriginShortcut"/>), so another <c>--origin</c>
/// over the same cache folder is another site.
/// </summary>
internal static class CacheOwner
{
    /// <summary>Cluster metadata naming the owner in place of the cluster id (set by the <c>--origin</c> shortcut).</summary>
    internal const string MetadataKey = "EdgeCache.CacheOwner";

    public static string Of(ClusterModel cluster) =>
        cluster.Config.Metadata is { } metadata && metadata.TryGetValue(MetadataKey, out var owner) && !string.IsNullOrEmpty(owner)
            ? owner
            : cluster.Config.ClusterId;
}
