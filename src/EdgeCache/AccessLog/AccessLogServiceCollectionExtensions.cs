using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace EdgeCache.AccessLog;

internal static class AccessLogServiceCollectionExtensions
{
    /// <summary>The access log: its options (reloadable), its writer and, unless a test set another, standard output.</summary>
    public static IServiceCollection AddAccessLog(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<AccessLogOptions>(configuration.GetSection(AccessLogOptions.Section));
        services.TryAddSingleton(AccessLogOutput.StandardOutput);
        services.AddSingleton<AccessLogWriter>();
        return services;
    }
}
