using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;
using Yarp.ReverseProxy.Transforms;

namespace EdgeCache.Origin;

/// <summary>
/// Where a fetch goes: the YARP route (for its transforms), its cluster (client and request
/// settings) and the destination YARP's load balancing picked.
/// </summary>
/// <param name="IsBackup">The destination is a backup origin (every primary is down).</param>
internal sealed record OriginTarget(
    ClusterState Cluster,
    DestinationState Destination,
    string DestinationPrefix,
    HttpMessageInvoker HttpClient,
    ForwarderRequestConfig RequestConfig,
    HttpTransformer Transformer,
    bool IsBackup)
{
    public string ClusterId => Cluster.ClusterId;

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
            proxy.Route.Cluster!,
            destination,
            destination.Model.Config.Address,
            proxy.Cluster.HttpClient,
            proxy.Cluster.Config.HttpRequest ?? ForwarderRequestConfig.Empty,
            proxy.Route.Transformer ?? HttpTransformer.Default,
            OriginHealth.IsBackup(destination));
    }
}
