using EdgeCache.Caching.Entries;
using Microsoft.Extensions.Logging;

namespace EdgeCache.Caching.Stores;

/// <summary>
/// Memory in front of a persistent tier. A lookup that misses memory but hits the persistent tier
/// promotes the entry. Every tier failure is logged and becomes a miss (or a skipped write):
/// the store never fails a request.
/// </summary>
internal sealed partial class TieredStore
{
    private readonly MemoryStore _memory;
    private readonly ICacheStore? _persistent;
    private readonly ILogger _logger;
    private readonly Metrics.EdgeCacheMetrics? _metrics;

    public TieredStore(MemoryStore memory, ICacheStore? persistent, ILogger<TieredStore> logger, Metrics.EdgeCacheMetrics? metrics = null)
    {
        _metrics = metrics;
        _memory = memory;
        _persistent = persistent;
        _logger = logger;
    }

    public MemoryStore Memory => _memory;
    public ICacheStore? Persistent => _persistent;

    public ValueTask<CacheEntry?> GetAsync(string key, CancellationToken cancellationToken) =>
        GetAsync(key, memoryProbed: false, cancellationToken);

    /// <param name="key">The key.</param>
    /// <param name="memoryProbed">The caller already looked in the memory tier and found nothing there: only the persistent tier is read.</param>
    /// <param name="cancellationToken">Ends the lookup.</param>
    public async ValueTask<CacheEntry?> GetAsync(string key, bool memoryProbed, CancellationToken cancellationToken)
    {
        var entry = memoryProbed ? null : await _memory.GetAsync(key, cancellationToken);
        if (entry is not null || _persistent is null)
        {
            return entry;
        }
        try
        {
            entry = await _persistent.GetAsync(key, cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogStoreError(_logger, _persistent.Name, "read", ex);
            _metrics?.StoreError(_persistent.Name);
            return null;
        }
        if (entry is not null)
        {
            await _memory.SetAsync(entry, cancellationToken);
        }
        return entry;
    }

    /// <summary>Notes the site (YARP cluster) a memory-tier entry was served for: later hits on it are answered before routing.</summary>
    public void RememberSite(string key, string site) => _memory.RememberSite(key, site);

    public async ValueTask SetAsync(CacheEntry entry, CancellationToken cancellationToken)
    {
        await _memory.SetAsync(entry, cancellationToken);
        if (_persistent is null)
        {
            return;
        }
        try
        {
            await _persistent.SetAsync(entry, cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogStoreError(_logger, _persistent.Name, "write", ex);
            _metrics?.StoreError(_persistent.Name);
        }
    }

    public async ValueTask RemoveAsync(string key, CancellationToken cancellationToken)
    {
        await _memory.RemoveAsync(key, cancellationToken);
        if (_persistent is null)
        {
            return;
        }
        try
        {
            await _persistent.RemoveAsync(key, cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogStoreError(_logger, _persistent.Name, "remove", ex);
            _metrics?.StoreError(_persistent.Name);
        }
    }

    /// <summary>Purges every tier; a failing tier is logged and the others still purged. Returns the most entries any tier matched.</summary>
    public async ValueTask<int> PurgeAsync(PurgeRequest request, CancellationToken cancellationToken)
    {
        var count = await _memory.PurgeAsync(request, cancellationToken);
        if (_persistent is not null)
        {
            try
            {
                count = Math.Max(count, await _persistent.PurgeAsync(request, cancellationToken));
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                LogStoreError(_logger, _persistent.Name, "purge", ex);
                _metrics?.StoreError(_persistent.Name);
            }
        }
        return count;
    }

    [LoggerMessage(EventId = 2010, EventName = "StoreError", Level = LogLevel.Warning,
        Message = "Cache tier {Tier} failed to {Operation}; treated as a miss")]
    private static partial void LogStoreError(ILogger logger, string tier, string operation, Exception exception);
}
