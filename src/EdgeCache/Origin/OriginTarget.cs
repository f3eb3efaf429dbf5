using System.Runtime.CompilerServices;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;
using Yarp.ReverseProxy.Transforms;

namespace EdgeCache.Origin;

/// <summary>
/// Where a fetch goes: the YARP route (for its transforms), its cluster (client and request
/// settings) and the destination YARP's load balancing picked.
/// </summary>
/// <param name="Route">The route, as YARP's response transforms read it from the proxy feature.</param>
/// <param name="FetchCluster">
/// The cluster's model as the cache's fetches present it: without session affinity, since a
/// shared copy belongs to no one's session (an affinity cookie would also keep it out of the cache).
/// </param>
/// <param name="IsBackup">The destination is a backup origin (every primary is down).</param>
internal sealed record OriginTarget(
    RouteModel Route,
    ClusterModel FetchCluster,
    ClusterState Cluster,
    DestinationState Destination,
    string DestinationPrefix,
    HttpMessageInvoker HttpClient,
    ForwarderRequestConfig RequestConfig,
    HttpTransformer Transformer,
    bool IsBackup)
{
    public string ClusterId => Cluster.ClusterId;

    /// <summary>Each cluster model's copy without session affinity, made once per model (YARP makes a new model when the cluster's config changes).</summary>
    private static readonly ConditionalWeakTable<ClusterModel, ClusterModel> Unaffinitized = new();

    private static ClusterModel WithoutAffinity(ClusterModel cluster) => cluster.Config.SessionAffinity?.Enabled != true
        ? cluster
        : Unaffinitized.GetValue(cluster, model => new ClusterModel(model.Config with { SessionAffinity = null }, model.HttpClient));

    /// <summary>What YARP's transforms expect to find on a request they transform.</summary>
    public IReverseProxyFeature Feature() => new ReverseProxyFeature
    {
        Route = Route,
        Cluster = FetchCluster,
        AvailableDestinations = [Destination],
        ProxiedDestination = Destination,
    };

    /// <summary>
    /// The target of the current request inside YARP's pipeline (the destination load balancing
    /// picked among those <see cref="OriginHealth"/> made available); null when the site is degraded.
    /// </summary>
    public static OriginTarget? From(IReverseProxyFeature? proxy, OriginHealth health)
    {
        if (proxy is null || proxy.AvailableDestinations.Count == 0 || health.IsDegraded(proxy.Cluster.Config.ClusterId))
        {
            return null;
        }
        var destination = proxy.AvailableDestinations[0];
        return new OriginTarget(
            proxy.Route,
            WithoutAffinity(proxy.Cluster),
            proxy.Route.Cluster!,
            destination,
            destination.Model.Config.Address,
            proxy.Cluster.HttpClient,
            proxy.Cluster.Config.HttpRequest ?? ForwarderRequestConfig.Empty,
            proxy.Route.Transformer ?? HttpTransformer.Default,
            OriginHealth.IsBackup(destination));
    }
}
