using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeCache.Coverage;

internal static class CoverageServiceCollectionExtensions
{
    /// <summary>Reader traffic per key and the outage coverage computed from it.</summary>
    public static IServiceCollection AddOutageCoverage(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<CoverageOptions>(configuration.GetSection(CoverageOptions.Section));
        services.AddSingleton<TrafficTracker>();
        services.AddSingleton<CoverageCalculator>();
        services.AddHostedService(sp => sp.GetRequiredService<CoverageCalculator>());
        return services;
    }
}
