using EdgeCache.Caching.Fetching;
using EdgeCache.Caching.Pipeline;
using EdgeCache.Caching.Stores;
using EdgeCache.Metrics;
using EdgeCache.Origin;
using EdgeCache.Rules;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

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
        services.PostConfigure<CacheOptions>(options => CacheOptions.ReadEmptyLists(options, configuration.GetSection(CacheOptions.Section)));
        services.Configure<StorageOptions>(configuration.GetSection(StorageOptions.Section));
        services.Configure<Compression.CompressionOptions>(configuration.GetSection(Compression.CompressionOptions.Section));
        services.PostConfigure<Compression.CompressionOptions>(options =>
        {
            // An empty JSON array reaches the configuration as an empty value: no type is compressed.
            if (options.Types is null && configuration[$"{Compression.CompressionOptions.Section}:{nameof(Compression.CompressionOptions.Types)}"] is "")
            {
                options.Types = [];
            }
        });
        services.AddSingleton<Compression.StoreCompressor>();
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
        if (!string.IsNullOrWhiteSpace(configuration[$"{StorageOptions.Section}:Redis:{nameof(RedisStoreOptions.Configuration)}"]))
        {
            AddSharedTier(services);
        }
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
        services.AddSingleton<UnsafeRequestInvalidator>();
        services.AddSingleton<CacheTelemetry>();
        return services;
    }

    /// <summary>
    /// The shared tier: one StackExchange.Redis multiplexer, used by the ecosystem's
    /// <see cref="IDistributedCache"/> for entry bytes (<c>RedisCache</c>, which owns and disposes
    /// it) and by <see cref="RedisStore"/> directly for the purge indexes and channel.
    /// </summary>
    private static void AddSharedTier(IServiceCollection services)
    {
        services.AddSingleton<IConnectionMultiplexer>(sp =>
            ConnectionMultiplexer.Connect(RedisStore.ConnectionOptions(sp.GetRequiredService<IOptions<StorageOptions>>().Value.Redis)));
        services.AddStackExchangeRedisCache(_ => { });
        services.AddOptions<RedisCacheOptions>().Configure<IServiceProvider>((options, sp) =>
        {
            options.InstanceName = RedisStore.Namespace(sp.GetRequiredService<IOptions<StorageOptions>>().Value.Redis);
            var connection = sp.GetRequiredService<IConnectionMultiplexer>();
            options.ConnectionMultiplexerFactory = () => Task.FromResult(connection);
        });
        services.AddSingleton(sp => new RedisStore(sp.GetRequiredService<IDistributedCache>(), sp.GetRequiredService<IConnectionMultiplexer>(),
            sp.GetRequiredService<IOptions<StorageOptions>>().Value.Redis, sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<RedisStore>>()));
    }
}
