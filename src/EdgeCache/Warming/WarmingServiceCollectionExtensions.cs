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
        services.AddHttpClient(Warmer.HttpClientName, client => client.Timeout = TimeSpan.FromSeconds(60))
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false, MaxConnectionsPerServer = 16 })
            .RemoveAllLoggers(); // else a log line per warm request (up to 50,000 a cycle) at Information
        services.AddSingleton<Warmer>();
        services.AddHostedService(sp => sp.GetRequiredService<Warmer>());
        return services;
    }
}
