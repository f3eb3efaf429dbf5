using Microsoft.Extensions.DependencyInjection;

namespace EdgeCache.Origin;

internal static class OriginServiceCollectionExtensions
{
    /// <summary>Origin health (destinations and sites, since when, degraded), on YARP's probes and passive policies.</summary>
    public static IServiceCollection AddOriginHealth(this IServiceCollection services)
    {
        services.AddSingleton<Yarp.ReverseProxy.Health.IActiveHealthCheckPolicy, LiveOriginHealthPolicy>();
        services.AddSingleton<OriginHealthMonitor>();
        services.AddHostedService(sp => sp.GetRequiredService<OriginHealthMonitor>());
        return services;
    }
}
