using EdgeCache.Caching.Fetching;
using EdgeCache.Caching.Pipeline;
using EdgeCache.Caching.Stores;
using EdgeCache.Metrics;
using EdgeCache.Origin;
using EdgeCache.Rules;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeCache.Caching;

internal static class CachingServiceCollectionExtensions
{
    /// <summary>
    /// The cache: rules, the request path (pipeline steps, fetching), and the stores: memory in
    /// front of one persistent tier, Redis when configured (shared by every node), else disk.
    /// </summary>
    public static IServiceCollection AddEdgeCaching(this IServiceCollection services, IConfiguration configuration, string contentRoot)
    {
        services.Configure<CacheOptions>(configuration.GetSection(CacheOptions.Section));
        services.Configure<StorageOptions>(configuration.GetSection(StorageOptions.Section));
        services.Configure<RulesOptions>(configuration.GetSection(Hosting.EdgeCacheOptions.Section));
        services.AddSingleton<RuleSetProvider>();

        services.AddSingleton(sp => new MemoryStore(sp.GetRequiredService<IOptions<StorageOptions>>().Value.Memory));
        services.AddSingleton(sp =>
        {
            var disk = sp.GetRequiredService<IOptions<StorageOptions>>().Value.Disk;
            return new DiskStore(
                new DiskStoreOptions { Path = Path.Combine(contentRoot, disk.Path), MaxBytes = disk.MaxBytes },
                sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<DiskStore>>());
        });
        services.AddSingleton(sp => new RedisStore(sp.GetRequiredService<IOptions<StorageOptions>>().Value.Redis,
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<RedisStore>>()));
        services.AddSingleton(sp =>
        {
            var storage = sp.GetRequiredService<IOptions<StorageOptions>>().Value;
            ICacheStore? persistent = !string.IsNullOrWhiteSpace(storage.Redis.Configuration) ? sp.GetRequiredService<RedisStore>()
                : storage.Disk.Enabled ? sp.GetRequiredService<DiskStore>()
                : null;
            return new TieredStore(sp.GetRequiredService<MemoryStore>(), persistent,
                sp.GetRequiredService<ILogger<TieredStore>>(), time: sp.GetRequiredService<TimeProvider>());
        });
        services.AddSingleton<ITierStatisticsSource>(sp => sp.GetRequiredService<TieredStore>());

        services.AddSingleton<OriginFetcher>();
        services.AddSingleton<FetchCoordinator>();
        services.AddSingleton<FailureBackoff>();
        services.AddSingleton<FetchStep>();
        services.AddSingleton<CacheLookup>();
        services.AddSingleton<CacheResponder>();
        services.AddSingleton<ForwardStep>();
        services.AddSingleton<CacheTelemetry>();
        return services;
    }
}
