using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeCache.Warming;

internal static class WarmingServiceCollectionExtensions
{
    /// <summary>Warming from sitemaps and URL lists on a schedule, through the node's own public listener.</summary>
    public static IServiceCollection AddWarming(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<WarmingOptions>(configuration.GetSection(WarmingOptions.Section));
        services.AddSingleton<WarmMarker>();
        services.AddSingleton<Hosting.PublicAddress>();
        services.AddSingleton<Warmer>();
        services.AddHostedService(sp => sp.GetRequiredService<Warmer>());
        return services;
    }
}
