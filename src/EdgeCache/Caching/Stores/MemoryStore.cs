using EdgeCache.Caching.Entries;

namespace EdgeCache.Caching.Stores;

/// <summary>The in-memory tier: a least-recently-used map bounded in bytes.</summary>
internal sealed class MemoryStore : ICacheStore
{
    private readonly Dictionary<string, LinkedListNode<(CacheEntry Entry, long Size)>> _map = new(StringComparer.Ordinal);
    private readonly LinkedList<(CacheEntry Entry, long Size)> _lru = new();
    private readonly Lock _lock = new();
    private readonly long _maxBytes;
    private long _bytes;
    private long _evictions;

    public MemoryStore(MemoryStoreOptions options)
    {
        _maxBytes = options.MaxBytes;
    }

    public string Name => "memory";

    public long Bytes => Interlocked.Read(ref _bytes);
    public long Evictions => Interlocked.Read(ref _evictions);

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _map.Count;
            }
        }
    }

    public ValueTask<CacheEntry?> GetAsync(string key, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_map.TryGetValue(key, out var node))
            {
                return ValueTask.FromResult<CacheEntry?>(null);
            }
            _lru.Remove(node);
            _lru.AddFirst(node);
            return ValueTask.FromResult<CacheEntry?>(node.Value.Entry);
        }
    }

    public ValueTask SetAsync(CacheEntry entry, CancellationToken cancellationToken)
    {
        var size = entry.Size;
        lock (_lock)
        {
            RemoveLocked(entry.Key);
            if (size > _maxBytes)
            {
                return ValueTask.CompletedTask;
            }
            _map[entry.Key] = _lru.AddFirst((entry, size));
            _bytes += size;
            while (_bytes > _maxBytes && _lru.Last is { } last)
            {
                RemoveLocked(last.Value.Entry.Key);
                _evictions++;
            }
        }
        return ValueTask.CompletedTask;
    }

    public ValueTask RemoveAsync(string key, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            RemoveLocked(key);
        }
        return ValueTask.CompletedTask;
    }

    public ValueTask<int> PurgeAsync(PurgeRequest request, CancellationToken cancellationToken)
    {
        var count = 0;
        lock (_lock)
        {
            foreach (var (entry, _) in _lru.ToArray())
            {
                if (!request.Matches(entry.Key, entry.Tags))
                {
                    continue;
                }
                count++;
                if (request.Soft)
                {
                    _map[entry.Key].Value = (PurgeRequest.MarkStale(entry), _map[entry.Key].Value.Size);
                }
                else
                {
                    RemoveLocked(entry.Key);
                }
            }
        }
        return ValueTask.FromResult(count);
    }

    /// <summary>Drops everything (a node that missed purges while disconnected from the shared tier).</summary>
    public void Clear()
    {
        lock (_lock)
        {
            _map.Clear();
            _lru.Clear();
            _bytes = 0;
        }
    }

    private void RemoveLocked(string key)
    {
        if (_map.Remove(key, out var node))
        {
            _lru.Remove(node);
            _bytes -= node.Value.Size;
        }
    }
}
