using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace EdgeCache.Coverage;

/// <summary>
/// Recent cacheable request volume per cache key: an exponentially decaying count (half-life
/// <see cref="CoverageOptions.HalfLife"/>) in a table of at most <see cref="CoverageOptions.TrackedKeys"/>
/// keys of at most <see cref="MaxKeyLength"/> characters, however many distinct URLs arrive, so a
/// flood of distinct (or very long) URLs costs a fixed amount of memory:
/// <code>
/// 1. A tracked key: one dictionary lookup and a short lock on the key's own counter.
/// 2. A new key, the table not full: it takes the next slot, counting 1.
/// 3. A new key, the table full: it replaces the quietest of <see cref="EvictionSample"/> slots
///    from a random start (sampled LFU, as Redis's allkeys-lfu), counting 1. A flood of distinct URLs
///    only ever replaces keys with one recent request (each other's), so the busy keys stay, and
///    a new key asked for again before a flood's worth of others arrive stays too.
/// </code>
/// A key longer than <see cref="MaxKeyLength"/> is not tracked (its volume reads 0: no
/// refresh-ahead, not in the coverage figure). The report's URL is spelt from the key.
/// </summary>
internal sealed class TrafficTracker
{
    /// <summary>Longest key tracked, in characters: the table holds at most TrackedKeys × this.</summary>
    internal const int MaxKeyLength = 1024;

    /// <summary>Slots compared when a new key needs one.</summary>
    internal const int EvictionSample = 8;

    private readonly ConcurrentDictionary<string, KeyTraffic> _keys = new(StringComparer.Ordinal);
    private readonly IOptionsMonitor<CoverageOptions> _options;
    private readonly TimeProvider _time;
    private readonly Lock _admission = new();
    private KeyTraffic?[] _slots = [];
    private int _used;

    public TrafficTracker(IOptionsMonitor<CoverageOptions> options, TimeProvider time)
    {
        _options = options;
        _time = time;
    }

    /// <summary>One key's traffic: which site it belongs to, and its decayed count.</summary>
    public sealed class KeyTraffic(string key, string site)
    {
        public string Key { get; } = key;
        public string Site { get; } = site;
        internal double Count;
        internal long LastTicks;
    }

    public readonly record struct Snapshot(string Key, string Site, string Url, double Volume);

    /// <summary>Keys tracked now (never more than <see cref="CoverageOptions.TrackedKeys"/>).</summary>
    public int Count => _keys.Count;

    /// <summary>Whether a fresh entry with this recent volume is due for refresh-ahead (<see cref="Caching.Policy.RequestDecider.IsRefreshAheadDue"/>).</summary>
    public bool IsRefreshAheadDue(Caching.Entries.CacheEntry entry, DateTimeOffset now, double volume) =>
        Caching.Policy.RequestDecider.IsRefreshAheadDue(_options.CurrentValue, entry, now, volume);

    /// <summary>Whether <paramref name="key"/>'s entry is due for refresh-ahead; the key's volume is only read when the entry is close to going stale.</summary>
    public bool IsRefreshAheadDue(Caching.Entries.CacheEntry entry, DateTimeOffset now, string key)
    {
        var options = _options.CurrentValue;
        return options.RefreshAhead
            && entry.TimeToLive(now) < entry.FreshnessLifetime * options.RefreshAheadFraction
            && Caching.Policy.RequestDecider.IsRefreshAheadDue(options, entry, now, VolumeOf(key));
    }

    /// <summary>Counts one request and returns the key's decayed count including it (1 for a key too long to track).</summary>
    public double Record(string key, string site)
    {
        var now = _time.GetUtcNow().UtcTicks;
        // Step 1: a tracked key.
        if (!_keys.TryGetValue(key, out var traffic))
        {
            if (key.Length > MaxKeyLength)
            {
                return 1;
            }
            traffic = Admit(key, site, now);
        }
        lock (traffic)
        {
            traffic.Count = Decay(traffic.Count, traffic.LastTicks, now) + 1;
            traffic.LastTicks = now;
            return traffic.Count;
        }
    }

    /// <summary>The decayed count of a key now (0 when untracked).</summary>
    public double VolumeOf(string key)
    {
        if (!_keys.TryGetValue(key, out var traffic))
        {
            return 0;
        }
        lock (traffic)
        {
            return Decay(traffic.Count, traffic.LastTicks, _time.GetUtcNow().UtcTicks);
        }
    }

    /// <summary>The busiest tracked keys with their decayed volume now, busiest first.</summary>
    public IReadOnlyList<Snapshot> Top(int max)
    {
        var now = _time.GetUtcNow().UtcTicks;
        var list = new List<Snapshot>(_keys.Count);
        foreach (var (key, traffic) in _keys)
        {
            double volume;
            lock (traffic)
            {
                volume = Decay(traffic.Count, traffic.LastTicks, now);
            }
            list.Add(new Snapshot(key, traffic.Site, UrlOf(key), volume));
        }
        list.Sort((a, b) => b.Volume.CompareTo(a.Volume));
        return list.Count > max ? list.GetRange(0, max) : list;
    }

    /// <summary>The URL a primary key names (<c>GET scheme://host/path?query</c>, then key headers and cookies on their own lines).</summary>
    internal static string UrlOf(string key)
    {
        var span = key.AsSpan();
        if (span.StartsWith("GET "))
        {
            span = span[4..];
        }
        var end = span.IndexOf('\n');
        return (end < 0 ? span : span[..end]).ToString();
    }

    private KeyTraffic Admit(string key, string site, long now)
    {
        lock (_admission)
        {
            if (_keys.TryGetValue(key, out var existing))
            {
                return existing;
            }
            var capacity = _options.CurrentValue.TrackedKeys;
            if (_slots.Length != capacity)
            {
                Resize(capacity, now);
            }
            var traffic = new KeyTraffic(key, site) { LastTicks = now };
            int slot;
            if (_used < _slots.Length)
            {
                // Step 2: a free slot.
                slot = _used++;
            }
            else
            {
                // Step 3: the quietest of a few slots picked at random makes room.
                // Consecutive slots from a random start: slots hold keys in no particular order, and a
                // table no larger than the sample is searched whole.
                var start = Random.Shared.Next(_slots.Length);
                slot = start;
                var quietest = VolumeAt(_slots[slot]!, now);
                for (var i = 1; i < Math.Min(EvictionSample, _slots.Length); i++)
                {
                    var candidate = (start + i) % _slots.Length;
                    var volume = VolumeAt(_slots[candidate]!, now);
                    if (volume < quietest)
                    {
                        (slot, quietest) = (candidate, volume);
                    }
                }
                _keys.TryRemove(new KeyValuePair<string, KeyTraffic>(_slots[slot]!.Key, _slots[slot]!));
            }
            _slots[slot] = traffic;
            _keys[key] = traffic;
            return traffic;
        }
    }

    /// <summary>TrackedKeys changed (configuration reload): the busiest keys that fit stay.</summary>
    private void Resize(int capacity, long now)
    {
        var kept = _slots.Take(_used).OfType<KeyTraffic>()
            .OrderByDescending(t => VolumeAt(t, now)).Take(capacity).ToArray();
        foreach (var dropped in _slots.Take(_used).OfType<KeyTraffic>().Except(kept))
        {
            _keys.TryRemove(new KeyValuePair<string, KeyTraffic>(dropped.Key, dropped));
        }
        _slots = new KeyTraffic?[capacity];
        kept.CopyTo(_slots, 0);
        _used = kept.Length;
    }

    private double VolumeAt(KeyTraffic traffic, long now)
    {
        lock (traffic)
        {
            return Decay(traffic.Count, traffic.LastTicks, now);
        }
    }

    private double Decay(double count, long lastTicks, long nowTicks)
    {
        if (count == 0 || nowTicks <= lastTicks)
        {
            return count;
        }
        var halfLives = (nowTicks - lastTicks) / (double)_options.CurrentValue.HalfLife.Ticks;
        return count * Math.Pow(0.5, halfLives);
    }
}
