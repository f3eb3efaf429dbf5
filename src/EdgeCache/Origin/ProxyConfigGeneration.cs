using Yarp.ReverseProxy.Configuration;

namespace EdgeCache.Origin;

/// <summary>
/// A number that changes whenever YARP has applied a proxy configuration (routes and clusters in
/// effect), so the hit fast path, which answers before routing, can tell whether the site a routed
/// request found for an entry is still the site that serves its URL: an entry is answered there only
/// when a routed request of the current configuration was served it (<see cref="Caching.Stores.MemoryItem"/>).
/// YARP tells listeners after the new routes are in effect.
/// </summary>
internal sealed class ProxyConfigGeneration : IConfigChangeListener
{
    /// <param name="UrlDecidesSite">
    /// Whether the URL (host and path) alone decides the route. A route that matches on headers or
    /// query parameters can give one URL, one cache key, to two sites, so a routed request's site says
    /// nothing about the next request for that URL: the fast path is then off and every request is routed.
    /// </param>
    internal sealed record State(int Generation, bool UrlDecidesSite);

    private State _state = new(0, true);

    public int Current => Volatile.Read(ref _state).Generation;

    /// <summary>The generation and what its routes match on, read together.</summary>
    public State Snapshot => Volatile.Read(ref _state);

    public void ConfigurationApplied(IReadOnlyList<IProxyConfig> proxyConfigs)
    {
        var urlDecides = proxyConfigs.SelectMany(c => c.Routes)
            .All(r => r.Match.Headers is not { Count: > 0 } && r.Match.QueryParameters is not { Count: > 0 });
        State current, next;
        do
        {
            current = Volatile.Read(ref _state);
            next = new State(current.Generation + 1, urlDecides);
        }
        while (Interlocked.CompareExchange(ref _state, next, current) != current);
    }

    public void ConfigurationLoaded(IReadOnlyList<IProxyConfig> proxyConfigs)
    {
    }

    public void ConfigurationLoadingFailed(IProxyConfigProvider configProvider, Exception exception)
    {
    }

    public void ConfigurationApplyingFailed(IReadOnlyList<IProxyConfig> proxyConfigs, Exception exception)
    {
    }
}
