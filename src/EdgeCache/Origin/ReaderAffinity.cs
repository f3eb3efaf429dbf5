using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Model;
using Yarp.ReverseProxy.SessionAffinity;

namespace EdgeCache.Origin;

/// <summary>
/// Session affinity for answers the cache fetched for one reader only (a private page, an origin
/// error passed through): the reader gets the affinity cookie YARP would have set had it forwarded
/// the request itself, naming the destination that answered, so a session that starts on a GET
/// (a sign-in callback, a first visit) stays on its server. Cache fetches present the cluster
/// without affinity (<see cref="OriginTarget.FetchCluster"/>): shared copies never carry the cookie.
/// </summary>
internal sealed class ReaderAffinity(IEnumerable<ISessionAffinityPolicy> policies)
{
    private readonly Dictionary<string, ISessionAffinityPolicy> _policies =
        policies.ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Sets the affinity cookie as the response starts, after the answer's own headers (its
    /// <c>Set-Cookie</c> included) are in place, so neither replaces the other.
    /// </summary>
    public void Apply(HttpContext context, DestinationState? destination)
    {
        var proxy = context.Features.Get<IReverseProxyFeature>();
        var options = proxy?.Cluster.Config.SessionAffinity;
        if (destination is null || proxy?.Route.Cluster is not { } cluster || options?.Enabled != true
            || !_policies.TryGetValue(string.IsNullOrEmpty(options.Policy) ? SessionAffinityConstants.Policies.HashCookie : options.Policy, out var policy))
        {
            return;
        }
        context.Response.OnStarting(() => policy.AffinitizeResponseAsync(context, cluster, options, destination, context.RequestAborted).AsTask());
    }
}
