using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;
using Yarp.ReverseProxy.Transforms;

namespace EdgeCache.Origin;

/// <summary>
/// Where a fetch goes: the YARP route (for its transforms), its cluster (client and request
/// settings) and the destination YARP's load balancing picked.
/// </summary>
internal sealed record OriginTarget(
    ClusterState Cluster,
    DestinationState Destination,
    string DestinationPrefix,
    HttpMessageInvoker HttpClient,
    ForwarderRequestConfig RequestConfig,
    HttpTransformer Transformer)
{
    public string ClusterId => Cluster.ClusterId;

    /// <summary>
    /// Every destination of the cluster is down (active probes or passive failures). YARP may then
    /// still offer them all ("panic" availability); the cache does not: it serves what it has.
    /// </summary>
    public static bool IsDegraded(IReverseProxyFeature proxy)
    {
        var all = proxy.AllDestinations;
        if (all.Count == 0)
        {
            return true;
        }
        foreach (var destination in all)
        {
            if (destination.Health.Active != DestinationHealth.Unhealthy && destination.Health.Passive != DestinationHealth.Unhealthy)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>The target of the current request inside YARP's pipeline; null when no destination is available.</summary>
    public static OriginTarget? From(IReverseProxyFeature? proxy)
    {
        if (proxy is null || proxy.AvailableDestinations.Count == 0 || IsDegraded(proxy))
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
            proxy.Route.Transformer ?? HttpTransformer.Default);
    }
}
