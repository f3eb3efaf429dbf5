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

    /// <summary>The target of the current request inside YARP's pipeline; null when no destination is available.</summary>
    public static OriginTarget? From(IReverseProxyFeature? proxy)
    {
        if (proxy is null || proxy.AvailableDestinations.Count == 0)
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
