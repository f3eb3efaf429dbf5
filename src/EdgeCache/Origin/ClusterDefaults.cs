using EdgeCache.Hosting;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace EdgeCache.Origin;

/// <summary>
/// Gives every cluster EdgeCache's health defaults, whether it comes from <c>--origin</c> or from the
/// <c>ReverseProxy</c> section (a YARP config filter, so reloads get them too). Only what a cluster
/// leaves unset is filled in:
/// <code>
/// HealthCheck:Active      Enabled true, Interval/Timeout/Path from EdgeCache:HealthInterval,
///                         HealthTimeout, HealthPath, Policy EdgeCacheLive (any answer below 500 passes)
/// HealthCheck:Passive     Enabled true, Policy EdgeCacheFailures (refused, reset, timed out only),
///                         ReactivationPeriod 250 ms
/// HealthCheck:AvailableDestinationsPolicy   EdgeCache (primaries, then backups, then none)
/// HttpRequest:ActivityTimeout               EdgeCache:OriginTimeout
/// HttpClient:ResponseHeaderEncoding         iso-8859-1: one char per byte, written back as that byte
///                                           (EdgeCacheHost's Kestrel setting), so any value round-trips
/// </code>
/// A cluster that sets <c>Active:Enabled</c> to false has no probes: a hung origin is then only found
/// by real requests timing out.
/// </summary>
internal sealed class ClusterDefaults(EdgeCacheOptions options) : IProxyConfigFilter
{
    private const string LatinOne = "iso-8859-1";

    public ValueTask<ClusterConfig> ConfigureClusterAsync(ClusterConfig cluster, CancellationToken cancel)
    {
        var health = cluster.HealthCheck ?? new HealthCheckConfig();
        var active = health.Active ?? new ActiveHealthCheckConfig();
        var passive = health.Passive ?? new PassiveHealthCheckConfig();
        var request = cluster.HttpRequest ?? new ForwarderRequestConfig();
        var client = cluster.HttpClient ?? new HttpClientConfig();
        return ValueTask.FromResult(cluster with
        {
            HealthCheck = health with
            {
                Active = active with
                {
                    Enabled = active.Enabled ?? true,
                    Interval = active.Interval ?? options.HealthInterval,
                    Timeout = active.Timeout ?? options.HealthTimeout,
                    Path = active.Path ?? options.HealthPath,
                    Policy = active.Policy ?? LiveOriginHealthPolicy.PolicyName,
                },
                Passive = passive with
                {
                    Enabled = passive.Enabled ?? true,
                    Policy = passive.Policy ?? OriginFailuresHealthPolicy.PolicyName,
                    ReactivationPeriod = passive.ReactivationPeriod ?? OriginFailuresHealthPolicy.DefaultReactivationPeriod,
                },
                AvailableDestinationsPolicy = health.AvailableDestinationsPolicy ?? OriginHealth.PolicyName,
            },
            HttpRequest = request with { ActivityTimeout = request.ActivityTimeout ?? options.OriginTimeout },
            HttpClient = client with { ResponseHeaderEncoding = client.ResponseHeaderEncoding ?? LatinOne },
        });
    }

    /// <summary>A positive whole number from the cluster's metadata (a health policy's threshold), else <paramref name="fallback"/>.</summary>
    public static int PositiveMetadata(ClusterState cluster, string name, int fallback) =>
        cluster.Model.Config.Metadata?.TryGetValue(name, out var value) == true
        && int.TryParse(value, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var number) && number > 0
            ? number
            : fallback;

    public ValueTask<RouteConfig> ConfigureRouteAsync(RouteConfig route, ClusterConfig? cluster, CancellationToken cancel) =>
        ValueTask.FromResult(route);
}
