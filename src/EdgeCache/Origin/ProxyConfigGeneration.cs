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
    private int _current;

    public int Current => Volatile.Read(ref _current);

    public void ConfigurationApplied(IReadOnlyList<IProxyConfig> proxyConfigs) => Interlocked.Increment(ref _current);

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
