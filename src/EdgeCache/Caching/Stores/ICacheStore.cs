using EdgeCache.Caching.Entries;

namespace EdgeCache.Caching.Stores;

/// <summary>
/// One storage tier: entries in, entries out. Implementations may throw on I/O failure;
/// <see cref="TieredStore"/> turns every such failure into a miss.
/// </summary>
internal interface ICacheStore
{
    /// <summary>The tier's name in logs and metrics: memory, disk, redis.</summary>
    string Name { get; }

    ValueTask<CacheEntry?> GetAsync(string key, CancellationToken cancellationToken);

    ValueTask SetAsync(CacheEntry entry, CancellationToken cancellationToken);

    ValueTask RemoveAsync(string key, CancellationToken cancellationToken);

    /// <summary>Deletes (or for a soft purge, marks stale) every matching entry; returns how many.</summary>
    ValueTask<int> PurgeAsync(PurgeRequest request, CancellationToken cancellationToken);
}
