using Microsoft.Extensions.DependencyInjection;

namespace EdgeCache.Metrics;

internal static class MetricsServiceCollectionExtensions
{
    /// <summary>
    /// This host's metrics in its own prometheus-net registry (several nodes share a process in the
    /// tests, and each node's <c>/metrics</c> shows only its own counts): EdgeCache's series, the
    /// runtime's and the process's.
    /// </summary>
    public static IServiceCollection AddEdgeCacheMetrics(this IServiceCollection services)
    {
        // Nothing goes to prometheus-net's static default registry. Should anything ever collect it, it
        // must not start its default adapters there: a MeterAdapter listening to every host's meters
        // in the process, event counters and debug series that fail promtool's lint.
        Prometheus.Metrics.SuppressDefaultMetrics();
        services.AddSingleton(_ => Prometheus.Metrics.NewCustomRegistry());
        services.AddSingleton<EdgeCacheMetrics>();
        services.AddSingleton<MeterBridge>();
        services.AddSingleton<ProcessMetrics>();
        return services;
    }
}
