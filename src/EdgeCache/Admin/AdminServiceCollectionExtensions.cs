using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeCache.Admin;

internal static class AdminServiceCollectionExtensions
{
    /// <summary>Operations: purges and the admin API's settings.</summary>
    public static IServiceCollection AddEdgeCacheAdmin(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<AdminOptions>(configuration.GetSection(AdminOptions.Section));
        services.AddSingleton<PurgeService>();
        return services;
    }
}
