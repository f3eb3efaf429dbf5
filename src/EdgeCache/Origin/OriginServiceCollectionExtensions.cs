using EdgeCache.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Health;

namespace EdgeCache.Origin;

internal static class OriginServiceCollectionExtensions
{
    /// <summary>
    /// The one health model on YARP's extension points: every cluster's defaults (a config filter),
    /// the probe policy, the passive policy, and the available-destinations policy that records
    /// the state every path reads (<see cref="OriginHealth"/>); and YARP's forwarder logs a client's
    /// unreadable body once, through EdgeCache (<see cref="ForwarderLogger{T}"/>).
    /// </summary>
    public static IServiceCollection AddOriginHealth(this IServiceCollection services, EdgeCacheOptions options)
    {
        services.AddSingleton<IProxyConfigFilter>(new ClusterDefaults(options));
        services.AddSingleton<OriginHealth>();
        services.AddSingleton<ProxyConfigGeneration>();
        services.AddSingleton<Yarp.ReverseProxy.Configuration.IConfigChangeListener>(sp => sp.GetRequiredService<ProxyConfigGeneration>());
        services.AddSingleton<ReaderAffinity>();
        services.AddSingleton<IAvailableDestinationsPolicy>(sp => sp.GetRequiredService<OriginHealth>());
        services.AddSingleton<IActiveHealthCheckPolicy, LiveOriginHealthPolicy>();
        services.AddSingleton<IPassiveHealthCheckPolicy, OriginFailuresHealthPolicy>();
        ForwarderLogger<object>.Register(services);
        return services;
    }
}
