using System.Collections.Concurrent;
using EdgeCache.Caching.Entries;

namespace EdgeCache.Caching.Stores;

/// <summary>
/// The in-memory tier: a map bounded in bytes, evicting the least recently used entry.
/// Lookups take no lock. Like Varnish's <c>lru_interval</c>, a hit moves its entry to the front
/// of the eviction order at most once per <see cref="PromotionInterval"/>, so the hottest pages
/// (the ones read thousands of times a second) never queue on the list's lock.
/// </summary>
internal sealed class MemoryStore : ICacheStore, IReportsStatistics
{
    /// <summary>How often a repeatedly read entry moves to the front of the eviction order.</summary>
    public static readonly TimeSpan PromotionInterval = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, MemoryItem> _map = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, MemoryItem>.AlternateLookup<ReadOnlySpan<char>> _bySpan;
    private readonly LinkedList<MemoryItem> _lru = new(); // guarded by _lock, like every write to _map
    private readonly Lock _lock = new();

    /// <summary>
    /// The variant keys (a URL's key extended past a newline: Vary, key headers and cookies) by
    /// that URL's key, guarded by <see cref="_lock"/>: a URL purge, which any client's successful
    /// POST now makes (RFC 9111 4.4), finds its entries here instead of walking every entry of the
    /// tier under the lock (about 40 ms for 200,000 entries, several times per POST). What it
    /// holds is counted in <see cref="Bytes"/>, so the tier's bound still holds.
    /// </summary>
    private readonly Dictionary<string, HashSet<string>> _variants = new(StringComparer.Ordinal);
    private readonly long _maxBytes;
    private readonly long _promotionTicks;
    private readonly TimeProvider _time;
    private long _bytes;
    private long _evictions;

    public MemoryStore(MemoryStoreOptions options, TimeProvider? time = null, TimeSpan? promotionInterval = null)
    {
        _bySpan = _map.GetAlternateLookup<ReadOnlySpan<char>>();
        _maxBytes = options.MaxBytes;
        _time = time ?? TimeProvider.System;
        _promotionTicks = (promotionInterval ?? PromotionInterval).Ticks;
    }

    public string Name => "memory";

    public long Bytes => Interlocked.Read(ref _bytes);
    public long Evictions => Interlocked.Read(ref _evictions);

    /// <summary>Lookups made, found or not (each reader's request probes memory once, a Vary variant twice).</summary>
    public long Lookups => Interlocked.Read(ref _lookups);
    private long _lookups;
    public int Count => _map.Count;

    public TierStatistics Statistics => new(Name, Count, Bytes, Evictions, null, Lookups);

    public ValueTask<CacheEntry?> GetAsync(string key, CancellationToken cancellationToken) =>
        ValueTask.FromResult(TryGet(key, out var item) ? item.Entry : null);

    /// <summary>The entry stored under <paramref name="key"/>, without counting a lookup or marking it used (inspection, coverage).</summary>
    public CacheEntry? Peek(string key) => _map.TryGetValue(key, out var item) ? item.Entry : null;

    /// <summary>The item stored under <paramref name="key"/>, marked as used now.</summary>
    public bool TryGet(string key, out MemoryItem item) => TryGet(key.AsSpan(), out item);

    /// <summary>The item stored under the key spelt by <paramref name="key"/> (no string needed), marked as used now.</summary>
    public bool TryGet(ReadOnlySpan<char> key, out MemoryItem item)
    {
        Interlocked.Increment(ref _lookups);
        if (!_bySpan.TryGetValue(key, out item!))
        {
            return false;
        }
        var now = _time.GetUtcNow().UtcTicks;
        if (now - Volatile.Read(ref item.LastPromoted) >= _promotionTicks)
        {
            lock (_lock)
            {
                // The item may have been replaced or evicted since the lookup: only a listed node moves.
                if (item.Node is { List: not null } node && node.List.First != node)
                {
                    _lru.Remove(node);
                    _lru.AddFirst(node);
                }
                Volatile.Write(ref item.LastPromoted, now);
            }
        }
        return true;
    }

    /// <summary>
    /// Notes the site of a routed request, of proxy configuration <paramref name="generation"/>, that was
    /// served <paramref name="entry"/>: only that entry, not one that has replaced it under its key since.
    /// </summary>
    public void RememberSite(CacheEntry entry, string site, int generation)
    {
        if (_map.TryGetValue(entry.Key, out var item) && ReferenceEquals(item.Entry, entry))
        {
            item.Remember(site, generation);
        }
    }

    public ValueTask SetAsync(CacheEntry entry, CancellationToken cancellationToken)
    {
        var item = new MemoryItem(entry, entry.Size, _time.GetUtcNow().UtcTicks);
        lock (_lock)
        {
            RemoveLocked(entry.Key);
            if (item.Size > _maxBytes)
            {
                return ValueTask.CompletedTask;
            }
            AddLocked(item);
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
            foreach (var item in Candidates(request))
            {
                var entry = item.Entry;
                if (!request.Matches(entry.Key, entry.Tags))
                {
                    continue;
                }
                count++;
                RemoveLocked(entry.Key);
                if (request.Soft)
                {
                    AddLocked(new MemoryItem(PurgeRequest.MarkStale(entry), item.Size, item.LastPromoted));
                }
            }
        }
        return ValueTask.FromResult(count);
    }

    /// <summary>The items a purge may match: for a URL, its own entry and its variants; otherwise every one.</summary>
    private MemoryItem[] Candidates(PurgeRequest request)
    {
        if (request.Kind != PurgeKind.Url || request.Value.Contains('\n'))
        {
            return [.. _lru];
        }
        var items = new List<MemoryItem>();
        if (_map.TryGetValue(request.Value, out var own))
        {
            items.Add(own);
        }
        if (_variants.TryGetValue(request.Value, out var variants))
        {
            foreach (var key in variants)
            {
                if (_map.TryGetValue(key, out var variant))
                {
                    items.Add(variant);
                }
            }
        }
        return [.. items];
    }

    /// <summary>What the variant index holds for one URL and for each variant key: its string and set, a slot.</summary>
    private const int UrlIndexBytes = 160;
    private const int VariantIndexBytes = 32;

    private void IndexVariantLocked(string key)
    {
        var cut = key.IndexOf('\n');
        if (cut <= 0)
        {
            return;
        }
        var url = key[..cut];
        if (!_variants.TryGetValue(url, out var keys))
        {
            _variants[url] = keys = new HashSet<string>(StringComparer.Ordinal);
            Interlocked.Add(ref _bytes, UrlIndexBytes + 2L * url.Length);
        }
        if (keys.Add(key))
        {
            Interlocked.Add(ref _bytes, VariantIndexBytes);
        }
    }

    private void UnindexVariantLocked(string key)
    {
        var cut = key.IndexOf('\n');
        if (cut <= 0)
        {
            return;
        }
        var url = key[..cut];
        if (_variants.TryGetValue(url, out var keys) && keys.Remove(key))
        {
            Interlocked.Add(ref _bytes, -VariantIndexBytes);
            if (keys.Count == 0)
            {
                _variants.Remove(url);
                Interlocked.Add(ref _bytes, -(UrlIndexBytes + 2L * url.Length));
            }
        }
    }

    /// <summary>Drops everything (a node that missed purges while disconnected from the shared tier).</summary>
    public void Clear()
    {
        lock (_lock)
        {
            _map.Clear();
            _lru.Clear();
            _variants.Clear();
            Interlocked.Exchange(ref _bytes, 0);
        }
    }

    private void AddLocked(MemoryItem item)
    {
        item.Node = _lru.AddFirst(item);
        _map[item.Entry.Key] = item;
        Interlocked.Add(ref _bytes, item.Size);
        IndexVariantLocked(item.Entry.Key);
    }

    private void RemoveLocked(string key)
    {
        if (_map.TryRemove(key, out var item))
        {
            _lru.Remove(item.Node!);
            Interlocked.Add(ref _bytes, -item.Size);
            UnindexVariantLocked(key);
        }
    }
}

/// <summary>
/// One entry of the memory tier, with what the hit fast path keeps beside it: the site whose
/// routed request last served it and the per-second response header values.
/// </summary>
internal sealed class MemoryItem(CacheEntry entry, long size, long lastPromoted)
{
    public CacheEntry Entry { get; } = entry;
    public long Size { get; } = size;

    /// <summary>UTC ticks of the last move to the front of the eviction order.</summary>
    internal long LastPromoted = lastPromoted;

    internal LinkedListNode<MemoryItem>? Node;

    private SiteOfEntry? _site;

    /// <summary>
    /// The site (YARP cluster) of the routed request that last served this entry, when that request was
    /// routed by the proxy configuration <paramref name="generation"/> (<see cref="Origin.ProxyConfigGeneration"/>);
    /// null otherwise. The fast path answers only entries with a site: it needs one for its metrics, and
    /// an entry whose site is unknown, or was found under an earlier configuration (the URL may now be
    /// another site's), goes to the routed path, which checks whose it is.
    /// </summary>
    public string? SiteAt(int generation) => _site is { } site && site.Generation == generation ? site.Site : null;

    /// <summary>One object, so a reader never sees one request's site with another's generation.</summary>
    public void Remember(string site, int generation)
    {
        if (_site is not { } current || current.Generation != generation || !ReferenceEquals(current.Site, site))
        {
            _site = new SiteOfEntry(site, generation);
        }
    }

    private sealed record SiteOfEntry(string Site, int Generation);

    /// <summary>The <c>Age</c> and <c>Cache-Status</c> values of a hit, rebuilt when their seconds change.</summary>
    public HitHeaderValues? HitHeaders { get; set; }
}

/// <summary>The header values of a fresh hit while the entry's age and ttl stay in the same whole seconds.</summary>
internal sealed record HitHeaderValues(long AgeSeconds, long TtlSeconds, string Age, string CacheStatus);
