using System.Collections.Concurrent;
using System.Threading.Channels;
using EdgeCache.Caching.Entries;
using EdgeCache.Diagnostics;
using Microsoft.Extensions.Logging;

namespace EdgeCache.Caching.Stores;

/// <summary>
/// Memory in front of a persistent tier. A lookup that misses memory but hits the persistent tier
/// promotes the entry. Every tier failure is logged and becomes a miss (or a skipped write):
/// the store never fails a request.
/// <para>
/// Respond first, persist afterwards: a write goes to memory at once and to the persistent tier
/// (disk, Redis) through a bounded queue drained by one background writer, so no reader waits for
/// a rename or a Redis round trip. A later write of a queued key replaces the queued one. A full
/// queue drops the write (counted) and queues the removal of the key's older persistent copy
/// instead, so a stale copy never comes back from there; it never blocks a reader. Removals and
/// purges take the queued writes they match with them and wait for the write in progress, so a
/// purged page is never written back. A crash may lose the last queued writes, never corrupt one.
/// </para>
/// <para>
/// With a shared tier (Redis), purges also reach every other node's memory tier and queued writes
/// (pub/sub), and a node whose connection comes back clears its memory tier and queue, since it may
/// have missed purges. Nothing outside reaches through to a tier: this type is the boundary.
/// </para>
/// </summary>
internal sealed partial class TieredStore : ITierStatisticsSource, IAsyncDisposable
{
    /// <summary>Most entries waiting for the persistent tier.</summary>
    public const int PersistentQueueLength = 1024;

    /// <summary>Queued in place of a dropped write: remove the key's older persistent copy.</summary>
    private static readonly CacheEntry Removal = new() { Key = "" };

    private readonly MemoryStore _memory;
    private readonly ICacheStore? _persistent;
    private readonly RedisStore? _shared;
    private readonly ILogger _logger;
    private long _storeErrors;
    private readonly int _queueLength;
    private readonly ConcurrentDictionary<string, CacheEntry> _pending = new(StringComparer.Ordinal);
    private readonly Channel<string> _queue = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SemaphoreSlim _persistentLock = new(1, 1); // one persistent write, removal or purge at a time
    private readonly Task _writer;

    // Flushes: keys queued and keys written, in queue order; a flush waits for the count queued when it was asked.
    private readonly Lock _queueLock = new();
    private long _queued;   // guarded by _queueLock
    private long _written;  // guarded by _queueLock
    private readonly List<(long Target, TaskCompletionSource Done)> _flushes = []; // guarded by _queueLock

    // The writer's last writes, so a purge from another node that arrives just after can undo them.
    private readonly ConcurrentQueue<(string Key, string[] Tags, DateTimeOffset At)> _recentWrites = new();
    private long _droppedWrites;

    private readonly TimeProvider _time;

    public TieredStore(MemoryStore memory, ICacheStore? persistent, ILogger<TieredStore> logger,
        int queueLength = PersistentQueueLength, TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        _queueLength = queueLength;
        _memory = memory;
        _persistent = persistent;
        _logger = logger;
        _writer = persistent is null ? Task.CompletedTask : Task.Run(WriteBehindAsync);
        if (persistent is RedisStore shared)
        {
            _shared = shared;
            shared.PurgeReceived += request => _ = PurgeFromOtherNodeAsync(request);
            shared.Reconnected += () => _ = ForgetAfterReconnectAsync();
        }
    }

    /// <summary>Each tier's figures, memory first; the persistent tier's failures (each a miss or a skipped write) counted here.</summary>
    public IReadOnlyList<TierStatistics> Statistics => _persistent is null
        ? [_memory.Statistics]
        : [_memory.Statistics, (_persistent is IReportsStatistics persistent ? persistent.Statistics : new TierStatistics(_persistent.Name, null, null, null, null, null))
            with { Errors = Interlocked.Read(ref _storeErrors), Up = _shared?.IsUsable ?? true }];

    /// <summary>Writes dropped because the persistent queue was full.</summary>
    public long DroppedWrites => Interlocked.Read(ref _droppedWrites);

    /// <summary>The memory tier's item under the key spelt by <paramref name="key"/> (no string needed), marked as used now.</summary>
    public bool TryGetFromMemory(ReadOnlySpan<char> key, out MemoryItem item) => _memory.TryGet(key, out item);

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
            // Evicted from memory before it reached the persistent tier; a queued removal means
            // the persistent copy is older than what was last stored: a miss.
            return ReferenceEquals(queued, Removal) ? null : queued;
        }
        try
        {
            entry = await _persistent.GetAsync(key, cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogStoreError(_logger, _persistent.Name, "read", ex);
            Interlocked.Increment(ref _storeErrors);
            return null;
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
            return ReferenceEquals(queued, Removal) ? (null, "") : (queued, _memory.Name);
        }
        if (_persistent is not null && await _persistent.GetAsync(key, cancellationToken) is { } stored)
        {
            return (stored, _persistent.Name);
        }
        return (null, "");
    }

    /// <summary>
    /// Notes the site (YARP cluster) a memory-tier entry was served for by a request routed under proxy
    /// configuration <paramref name="generation"/>: later hits on it are answered before routing while that configuration holds.
    /// </summary>
    public void RememberSite(CacheEntry entry, string site, int generation) => _memory.RememberSite(entry, site, generation);

    /// <summary>Stores in memory now and queues the persistent write; returns once memory has it.</summary>
    public async ValueTask SetAsync(CacheEntry entry, CancellationToken cancellationToken)
    {
        await _memory.SetAsync(entry, cancellationToken);
        if (_persistent is not null && !Enqueue(entry.Key, entry))
        {
            Interlocked.Increment(ref _droppedWrites);
            LogWriteDropped(_logger, _persistent.Name, entry.Key);
            Interlocked.Increment(ref _storeErrors);
            // The older persistent copy must not outlive this one: its removal is queued instead
            // (a removal is small; it may go past the bound, up to twice it).
            Enqueue(entry.Key, Removal, _queueLength * 2);
        }
    }

    /// <summary>Queues <paramref name="entry"/> (or <see cref="Removal"/>) for the key; false when the queue is full or closed.</summary>
    private bool Enqueue(string key, CacheEntry entry, int? bound = null)
    {
        lock (_queueLock)
        {
            while (true)
            {
                if (_pending.TryGetValue(key, out var queued))
                {
                    if (_pending.TryUpdate(key, entry, queued))
                    {
                        return true; // the queued write takes the newer entry
                    }
                    continue; // the writer or a purge took it meanwhile
                }
                if (_pending.Count >= (bound ?? _queueLength))
                {
                    return false;
                }
                if (!_pending.TryAdd(key, entry))
                {
                    continue;
                }
                if (!_queue.Writer.TryWrite(key))
                {
                    _pending.TryRemove(key, out _); // shutting down: memory only
                    return false;
                }
                _queued++;
                return true;
            }
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
            await _memory.RemoveAsync(key, cancellationToken); // again: a reader may have promoted the queued entry meanwhile
            await _persistent.RemoveAsync(key, cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogStoreError(_logger, _persistent.Name, "remove", ex);
            Interlocked.Increment(ref _storeErrors);
        }
        finally
        {
            _persistentLock.Release();
        }
    }

    /// <summary>
    /// Purges every tier of this node and, with a shared tier, every other node's memory tier; a
    /// failing tier is logged and the others still purged. Returns the most entries any tier matched;
    /// throws <see cref="PurgeIncompleteException"/> when a tier or the other nodes could not be reached.
    /// </summary>
    public async ValueTask<int> PurgeAsync(PurgeRequest request, CancellationToken cancellationToken)
    {
        string? failure = null;
        var count = await _memory.PurgeAsync(request, cancellationToken); // readers stop getting it at once
        if (_persistent is null)
        {
            return count;
        }
        await _persistentLock.WaitAsync(CancellationToken.None);
        try
        {
            PurgePending(request);
            // Again: a reader may have promoted a queued or persistent copy while the purge waited.
            count = Math.Max(count, await _memory.PurgeAsync(request, cancellationToken));
            count = Math.Max(count, await _persistent.PurgeAsync(request, cancellationToken));
            await _memory.PurgeAsync(request, cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogStoreError(_logger, _persistent.Name, "purge", ex);
            Interlocked.Increment(ref _storeErrors);
            failure = $"the {_persistent.Name} tier: {ex.Message}";
        }
        finally
        {
            _persistentLock.Release();
        }
        if (_shared is not null)
        {
            try
            {
                await _shared.PublishPurgeAsync(request, cancellationToken);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                LogPublishFailed(_logger, ex);
                failure ??= $"the other nodes (purge channel): {ex.Message}";
            }
        }
        return failure is null ? count : throw new PurgeIncompleteException(count, failure);
    }

    /// <summary>
    /// Another node purged the shared tier: this node's queued writes and memory tier follow, and if
    /// this node wrote a matching entry to the shared tier just before the message came (a write
    /// queued before the purge), the purge is applied to the shared tier again.
    /// </summary>
    private async Task PurgeFromOtherNodeAsync(PurgeRequest request)
    {
        await _persistentLock.WaitAsync(CancellationToken.None);
        try
        {
            PurgePending(request);
            await _memory.PurgeAsync(request, CancellationToken.None);
            var since = _time.GetUtcNow() - TimeSpan.FromSeconds(5);
            if (_recentWrites.Any(write => write.At >= since && request.Matches(write.Key, write.Tags)))
            {
                await _persistent!.PurgeAsync(request, CancellationToken.None);
            }
        }
        catch (Exception ex)
        {
            LogStoreError(_logger, _persistent!.Name, "purge", ex);
            Interlocked.Increment(ref _storeErrors);
        }
        finally
        {
            _persistentLock.Release();
        }
    }

    /// <summary>The shared tier is back: purges may have been missed meanwhile, so memory and the queued writes are let go.</summary>
    private async Task ForgetAfterReconnectAsync()
    {
        await _persistentLock.WaitAsync(CancellationToken.None);
        try
        {
            _pending.Clear();
            _memory.Clear();
            LogMemoryCleared(_logger);
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
            if (ReferenceEquals(entry, Removal) || !request.Matches(key, entry.Tags))
            {
                continue;
            }
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

    /// <summary>Completes when every write queued before the call has reached the persistent tier (or failed, or was purged).</summary>
    public Task FlushAsync()
    {
        lock (_queueLock)
        {
            if (_written >= _queued)
            {
                return Task.CompletedTask;
            }
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _flushes.Add((_queued, done));
            return done.Task;
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
                    if (ReferenceEquals(entry, Removal))
                    {
                        await _persistent!.RemoveAsync(key, CancellationToken.None);
                    }
                    else
                    {
                        await _persistent!.SetAsync(entry, CancellationToken.None);
                        RememberWrite(entry);
                    }
                }
            }
            catch (Exception ex)
            {
                LogStoreError(_logger, _persistent!.Name, "write", ex);
                Interlocked.Increment(ref _storeErrors);
            }
            finally
            {
                _persistentLock.Release();
                CountWritten();
            }
        }
    }

    private void RememberWrite(CacheEntry entry)
    {
        if (_shared is null)
        {
            return;
        }
        _recentWrites.Enqueue((entry.Key, entry.Tags, _time.GetUtcNow()));
        while (_recentWrites.Count > 64 && _recentWrites.TryDequeue(out _))
        {
        }
    }

    private void CountWritten()
    {
        lock (_queueLock)
        {
            _written++;
            for (var i = _flushes.Count - 1; i >= 0; i--)
            {
                if (_flushes[i].Target <= _written)
                {
                    _flushes[i].Done.TrySetResult();
                    _flushes.RemoveAt(i);
                }
            }
        }
    }

    /// <summary>Writes what is queued (up to 10 s), then stops the writer.</summary>
    public async ValueTask DisposeAsync()
    {
        lock (_queueLock)
        {
            _queue.Writer.TryComplete();
        }
        if (await Task.WhenAny(_writer, Task.Delay(TimeSpan.FromSeconds(10), _time)) != _writer && _persistent is not null)
        {
            LogShutdownWritesLost(_logger, _persistent.Name, _pending.Count);
        }
    }

    [LoggerMessage(EventId = EventIds.PurgePublishFailed, EventName = nameof(EventIds.PurgePublishFailed), Level = LogLevel.Warning,
        Message = "The purge could not be sent to the other nodes; their memory tiers keep the entries until they expire or reconnect")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = EventIds.MemoryClearedOnReconnect, EventName = nameof(EventIds.MemoryClearedOnReconnect), Level = LogLevel.Information,
        Message = "Redis reconnected: memory tier and queued writes cleared, since purges may have been missed")]
    private static partial void LogMemoryCleared(ILogger logger);

    [LoggerMessage(EventId = EventIds.StoreError, EventName = nameof(EventIds.StoreError), Level = LogLevel.Warning,
        Message = "Cache tier {Tier} failed to {Operation}; treated as a miss")]
    private static partial void LogStoreError(ILogger logger, string tier, string operation, Exception exception);

    [LoggerMessage(EventId = EventIds.PersistentWriteDropped, EventName = nameof(EventIds.PersistentWriteDropped), Level = LogLevel.Debug,
        Message = "The {Tier} write queue is full: {Key} stays in memory only")]
    private static partial void LogWriteDropped(ILogger logger, string tier, string key);

    [LoggerMessage(EventId = EventIds.ShutdownWritesLost, EventName = nameof(EventIds.ShutdownWritesLost), Level = LogLevel.Warning,
        Message = "Stopping: {Count} queued {Tier} writes were not written within 10 s")]
    private static partial void LogShutdownWritesLost(ILogger logger, string tier, int count);
}
