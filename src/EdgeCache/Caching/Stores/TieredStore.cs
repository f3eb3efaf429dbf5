using System.Collections.Concurrent;
using System.Threading.Channels;
using EdgeCache.Caching.Entries;
using Microsoft.Extensions.Logging;
using EdgeCache.Diagnostics;

namespace EdgeCache.Caching.Stores;

/// <summary>
/// Memory in front of a persistent tier. A lookup that misses memory but hits the persistent tier
/// promotes the entry. Every tier failure is logged and becomes a miss (or a skipped write):
/// the store never fails a request.
/// <para>
/// Respond first, persist afterwards: a write goes to memory at once and to the persistent tier
/// (disk, Redis) through a bounded queue drained by one background writer, so no reader waits for
/// a rename or a Redis round trip. A full queue drops the write (counted), never blocks a reader;
/// a later write of the same key replaces the queued one. Removals and purges take the queued
/// writes they match with them and wait for the write in progress, so a purged page is never
/// written back. A crash may lose the last queued writes, never corrupt one (each is atomic).
/// </para>
/// <para>
/// With a shared tier (Redis), purges also reach every other node's memory tier (pub/sub), and a
/// node whose connection comes back clears its memory tier, since it may have missed purges.
/// Nothing outside reaches through to a tier: this type is the boundary.
/// </para>
/// </summary>
internal sealed partial class TieredStore : IAsyncDisposable
{
    /// <summary>Most entries waiting for the persistent tier.</summary>
    public const int PersistentQueueLength = 1024;

    private readonly MemoryStore _memory;
    private readonly ICacheStore? _persistent;
    private readonly ILogger _logger;
    private readonly Metrics.EdgeCacheMetrics? _metrics;
    private readonly ConcurrentDictionary<string, CacheEntry> _pending = new(StringComparer.Ordinal);
    private readonly Channel<string> _queue = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SemaphoreSlim _persistentLock = new(1, 1); // one persistent write, removal or purge at a time
    private readonly Lock _idleLock = new();
    private TaskCompletionSource _idle = CompletedIdle();
    private int _outstanding; // guarded by _idleLock
    private readonly Task _writer;

    private readonly int _queueLength;

    public TieredStore(MemoryStore memory, ICacheStore? persistent, ILogger<TieredStore> logger, Metrics.EdgeCacheMetrics? metrics = null,
        int queueLength = PersistentQueueLength)
    {
        _queueLength = queueLength;
        _metrics = metrics;
        _memory = memory;
        _persistent = persistent;
        _logger = logger;
        _writer = persistent is null ? Task.CompletedTask : Task.Run(WriteBehindAsync);
        if (persistent is RedisStore shared)
        {
            _shared = shared;
            shared.PurgeReceived += request => _ = PurgeFromOtherNodeAsync(request);
            shared.Reconnected += () =>
            {
                _memory.Clear();
                LogMemoryCleared(_logger);
            };
        }
    }

    private readonly RedisStore? _shared;

    /// <summary>Each tier's figures, memory first.</summary>
    public IReadOnlyList<TierStatistics> Statistics => _persistent is IReportsStatistics persistent
        ? [_memory.Statistics, persistent.Statistics]
        : [_memory.Statistics];

    /// <summary>The memory tier's item under the key spelt by <paramref name="key"/> (no string needed), marked as used now.</summary>
    public bool TryGetFromMemory(ReadOnlySpan<char> key, out MemoryItem item) => _memory.TryGet(key, out item);

    /// <summary>Writes dropped because the persistent queue was full.</summary>
    public long DroppedWrites => Interlocked.Read(ref _droppedWrites);
    private long _droppedWrites;

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
        if (_pending.TryGetValue(key, out var queued))
        {
            entry = queued; // evicted from memory before it reached the persistent tier
        }
        else
        {
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
        }
        if (entry is not null)
        {
            await _memory.SetAsync(entry, cancellationToken);
        }
        return entry;
    }

    /// <summary>
    /// The entry as stored and the tier holding it, without promoting it, counting a lookup or
    /// marking it used (inspection and outage coverage must not change what is cached). A tier
    /// failure throws: the caller reports it.
    /// </summary>
    public async ValueTask<(CacheEntry? Entry, string Tier)> PeekAsync(string key, CancellationToken cancellationToken)
    {
        if (_memory.Peek(key) is { } inMemory)
        {
            return (inMemory, _memory.Name);
        }
        if (_pending.TryGetValue(key, out var queued))
        {
            return (queued, _memory.Name);
        }
        if (_persistent is not null && await _persistent.GetAsync(key, cancellationToken) is { } stored)
        {
            return (stored, _persistent.Name);
        }
        return (null, "");
    }

    /// <summary>Notes the site (YARP cluster) a memory-tier entry was served for: later hits on it are answered before routing.</summary>
    public void RememberSite(string key, string site) => _memory.RememberSite(key, site);

    /// <summary>Stores in memory now and queues the persistent write; returns once memory has it.</summary>
    public async ValueTask SetAsync(CacheEntry entry, CancellationToken cancellationToken)
    {
        await _memory.SetAsync(entry, cancellationToken);
        if (_persistent is null)
        {
            return;
        }
        var added = false;
        lock (_idleLock)
        {
            while (true)
            {
                if (_pending.TryGetValue(entry.Key, out var queued))
                {
                    if (_pending.TryUpdate(entry.Key, entry, queued))
                    {
                        return; // the queued write takes the newer entry
                    }
                    continue; // the writer or a purge took it meanwhile
                }
                if (_pending.Count >= _queueLength)
                {
                    Interlocked.Increment(ref _droppedWrites);
                    break;
                }
                if (_pending.TryAdd(entry.Key, entry))
                {
                    if (_outstanding++ == 0)
                    {
                        _idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    }
                    added = true;
                    break;
                }
            }
        }
        if (added)
        {
            _queue.Writer.TryWrite(entry.Key);
        }
        else
        {
            LogWriteDropped(_logger, _persistent.Name, entry.Key);
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
        await _persistentLock.WaitAsync(CancellationToken.None);
        try
        {
            _pending.TryRemove(key, out _);
            await _persistent.RemoveAsync(key, cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogStoreError(_logger, _persistent.Name, "remove", ex);
            _metrics?.StoreError(_persistent.Name);
        }
        finally
        {
            _persistentLock.Release();
        }
    }

    /// <summary>
    /// Purges every tier of this node and, with a shared tier, every other node's memory tier; a
    /// failing tier is logged and the others still purged. Returns the most entries any tier matched.
    /// </summary>
    public async ValueTask<int> PurgeAsync(PurgeRequest request, CancellationToken cancellationToken)
    {
        var count = await PurgeTiersAsync(request, cancellationToken);
        if (_shared is not null)
        {
            try
            {
                await _shared.PublishPurgeAsync(request, cancellationToken);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                LogPublishFailed(_logger, ex);
            }
        }
        return count;
    }

    private async ValueTask<int> PurgeTiersAsync(PurgeRequest request, CancellationToken cancellationToken)
    {
        var count = await _memory.PurgeAsync(request, cancellationToken);
        if (_persistent is null)
        {
            return count;
        }
        await _persistentLock.WaitAsync(CancellationToken.None);
        try
        {
            PurgePending(request);
            count = Math.Max(count, await _persistent.PurgeAsync(request, cancellationToken));
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogStoreError(_logger, _persistent.Name, "purge", ex);
            _metrics?.StoreError(_persistent.Name);
        }
        finally
        {
            _persistentLock.Release();
        }
        return count;
    }

    /// <summary>
    /// Another node purged the shared tier: this node's memory tier follows, and so do its queued
    /// writes (a page this node fetched meanwhile must not be written back to the shared tier).
    /// </summary>
    private async Task PurgeFromOtherNodeAsync(PurgeRequest request)
    {
        await _memory.PurgeAsync(request, CancellationToken.None);
        await _persistentLock.WaitAsync(CancellationToken.None);
        try
        {
            PurgePending(request);
        }
        finally
        {
            _persistentLock.Release();
        }
    }

    /// <summary>Applies a purge to the writes still queued (call with the persistent lock held).</summary>
    private void PurgePending(PurgeRequest request)
    {
        foreach (var (key, entry) in _pending)
        {
            if (request.Matches(key, entry.Tags))
            {
                if (request.Soft)
                {
                    _pending.TryUpdate(key, PurgeRequest.MarkStale(entry), entry);
                }
                else
                {
                    _pending.TryRemove(key, out _);
                }
            }
        }
    }

    /// <summary>Completes when every write queued so far has reached the persistent tier (or failed, or was purged).</summary>
    public Task FlushAsync()
    {
        lock (_idleLock)
        {
            return _idle.Task;
        }
    }

    private async Task WriteBehindAsync()
    {
        await foreach (var key in _queue.Reader.ReadAllAsync())
        {
            await _persistentLock.WaitAsync();
            try
            {
                // Taken under the lock: a removal or purge either took it already or waits for this write.
                if (_pending.TryRemove(key, out var entry))
                {
                    await _persistent!.SetAsync(entry, CancellationToken.None);
                }
            }
            catch (Exception ex)
            {
                LogStoreError(_logger, _persistent!.Name, "write", ex);
                _metrics?.StoreError(_persistent.Name);
            }
            finally
            {
                _persistentLock.Release();
                lock (_idleLock)
                {
                    if (--_outstanding == 0)
                    {
                        _idle.TrySetResult();
                    }
                }
            }
        }
    }

    /// <summary>Writes what is queued (up to 10 s), then stops the writer.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writer.WaitAsync(TimeSpan.FromSeconds(10)).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    private static TaskCompletionSource CompletedIdle()
    {
        var idle = new TaskCompletionSource();
        idle.SetResult();
        return idle;
    }

    [LoggerMessage(EventId = EventIds.PurgePublishFailed, EventName = nameof(EventIds.PurgePublishFailed), Level = LogLevel.Warning,
        Message = "The purge could not be sent to the other nodes; their memory tiers keep the entries until they expire or reconnect")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = EventIds.MemoryClearedOnReconnect, EventName = nameof(EventIds.MemoryClearedOnReconnect), Level = LogLevel.Information,
        Message = "Redis reconnected: memory tier cleared, since purges may have been missed")]
    private static partial void LogMemoryCleared(ILogger logger);

    [LoggerMessage(EventId = EventIds.StoreError, EventName = nameof(EventIds.StoreError), Level = LogLevel.Warning,
        Message = "Cache tier {Tier} failed to {Operation}; treated as a miss")]
    private static partial void LogStoreError(ILogger logger, string tier, string operation, Exception exception);

    [LoggerMessage(EventId = EventIds.PersistentWriteDropped, EventName = nameof(EventIds.PersistentWriteDropped), Level = LogLevel.Debug,
        Message = "The {Tier} write queue is full: {Key} stays in memory only")]
    private static partial void LogWriteDropped(ILogger logger, string tier, string key);
}
