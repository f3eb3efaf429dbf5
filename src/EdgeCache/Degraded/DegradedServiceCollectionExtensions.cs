using EdgeCache.Status;
using EdgeCache.Templates;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EdgeCache.Degraded;

internal static class DegradedServiceCollectionExtensions
{
    /// <summary>What readers get when the origin fails: stale copies (banner, counter), the templates, error pages and the status page (with its incident log and the operators' notices).</summary>
    public static IServiceCollection AddDegradedMode(this IServiceCollection services, IConfiguration configuration, string templatesPath)
    {
        services.Configure<DegradedOptions>(configuration.GetSection(DegradedOptions.Section));
        services.AddSingleton(sp => new TemplateSet(templatesPath, sp.GetRequiredService<ILogger<TemplateSet>>()));
        services.AddSingleton<PageRenderer>();
        services.AddSingleton<ErrorPageWriter>();
        services.AddSingleton<StaleServedCounter>();
        services.AddSingleton<StaleBanner>();
        services.AddSingleton<StaleResponder>();
        services.AddSingleton<IncidentLog>();
        services.AddSingleton<NoticeBoard>();
        services.AddSingleton<StatusPage>();
        return services;
    }
}
