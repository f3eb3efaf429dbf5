using Yarp.ReverseProxy.Configuration;

namespace EdgeCache.Status;

/// <summary>Which sites (clusters) a host belongs to, by the routes' <c>Match.Hosts</c>, as YARP matches them.</summary>
internal static class SiteHosts
{
    /// <summary>Whether a route's host pattern (<c>www.example.com</c>, <c>*.example.com</c>, either with a port) covers <paramref name="host"/> (no port).</summary>
    public static bool Matches(string pattern, string host)
    {
        var colon = pattern.LastIndexOf(':');
        if (colon >= 0 && !pattern.EndsWith(']'))
        {
            pattern = pattern[..colon];
        }
        if (pattern.StartsWith("*.", StringComparison.Ordinal))
        {
            return host.Length > pattern.Length - 1 && host.EndsWith(pattern[1..], StringComparison.OrdinalIgnoreCase);
        }
        return pattern.Equals(host, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The clusters whose routes name <paramref name="host"/>; if none does, the clusters of routes that name no host (catch-all).</summary>
    public static IReadOnlySet<string> ClustersFor(IEnumerable<RouteConfig> routes, string host)
    {
        var named = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var catchAll = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var route in routes)
        {
            if (route.ClusterId is not { } cluster)
            {
                continue;
            }
            if (route.Match.Hosts is not { Count: > 0 } hosts)
            {
                catchAll.Add(cluster);
            }
            else if (hosts.Any(pattern => Matches(pattern, host)))
            {
                named.Add(cluster);
            }
        }
        return named.Count > 0 ? named : catchAll;
    }

    /// <summary>The hosts the cluster's routes name, in order, each once.</summary>
    public static IReadOnlyList<string> Of(IEnumerable<RouteConfig> routes, string cluster) => routes
        .Where(r => string.Equals(r.ClusterId, cluster, StringComparison.OrdinalIgnoreCase))
        .SelectMany(r => r.Match.Hosts ?? [])
        .Distinct(StringComparer.OrdinalIgnoreCase)
        .ToArray();
}
