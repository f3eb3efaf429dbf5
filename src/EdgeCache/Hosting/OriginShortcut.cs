using Microsoft.Extensions.Configuration;

namespace EdgeCache.Hosting;

/// <summary>
/// The YARP configuration that <c>--origin URL</c> stands for: one catch-all route to one cluster
/// with one destination. It replaces the <c>ReverseProxy</c> section rather than merging with it.
/// </summary>
internal static class OriginShortcut
{
    public const string RouteId = "origin";
    public const string ClusterId = "origin";

    public static IConfigurationSection Build(EdgeCacheOptions options)
    {
        var values = new Dictionary<string, string?>
        {
            [$"ReverseProxy:Routes:{RouteId}:ClusterId"] = ClusterId,
            [$"ReverseProxy:Routes:{RouteId}:Match:Path"] = "{**catch-all}",
            [$"ReverseProxy:Clusters:{ClusterId}:Destinations:origin:Address"] = options.Origin,
            // A hung origin must not hold readers for YARP's default 100 s.
            [$"ReverseProxy:Clusters:{ClusterId}:HttpRequest:ActivityTimeout"] = Format(options.OriginTimeout),
            // Active probes find an outage (and the recovery) without a reader waiting on it.
            [$"ReverseProxy:Clusters:{ClusterId}:HealthCheck:Active:Enabled"] = "true",
            [$"ReverseProxy:Clusters:{ClusterId}:HealthCheck:Active:Interval"] = Format(options.HealthInterval),
            [$"ReverseProxy:Clusters:{ClusterId}:HealthCheck:Active:Timeout"] = Format(options.HealthTimeout),
            // Any answer below 500 is a live origin (a 301 or 404 on the probe path is not an outage).
            [$"ReverseProxy:Clusters:{ClusterId}:HealthCheck:Active:Policy"] = Origin.LiveOriginHealthPolicy.PolicyName,
            [$"ReverseProxy:Clusters:{ClusterId}:HealthCheck:Active:Path"] = options.HealthPath,
            [$"ReverseProxy:Clusters:{ClusterId}:Metadata:ConsecutiveFailuresHealthPolicy.Threshold"] = "2",
            // Passive: failures of real requests count too (transport errors and FailureStatuses).
            // The destination is tried again after the reactivation period (at least the
            // policy's detection window: see EdgeCacheHost).
            [$"ReverseProxy:Clusters:{ClusterId}:HealthCheck:Passive:Enabled"] = "true",
            [$"ReverseProxy:Clusters:{ClusterId}:HealthCheck:Passive:Policy"] = "TransportFailureRate",
            [$"ReverseProxy:Clusters:{ClusterId}:HealthCheck:Passive:ReactivationPeriod"] = "00:00:05",
        };
        return new ConfigurationBuilder().AddInMemoryCollection(values).Build().GetSection("ReverseProxy");
    }

    private static string Format(TimeSpan value) => value.ToString("c", System.Globalization.CultureInfo.InvariantCulture);
}
