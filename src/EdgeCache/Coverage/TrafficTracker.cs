using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace EdgeCache.Coverage;

/// <summary>
/// Recent cacheable request volume per cache key: an exponentially decaying count (half-life
/// <see cref="CoverageOptions.HalfLife"/>), bounded to the busiest <see cref="CoverageOptions.TrackedKeys"/>
/// keys. Recording is one dictionary lookup and a short lock on the key's own counter.
/// </summary>
internal sealed class TrafficTracker
{
    private readonly ConcurrentDictionary<string, KeyTraffic> _keys = new(StringComparer.Ordinal);
    private readonly IOptionsMonitor<CoverageOptions> _options;
    private readonly TimeProvider _time;
    private int _pruning;

    public TrafficTracker(IOptionsMonitor<CoverageOptions> options, TimeProvider time)
    {
        _options = options;
        _time = time;
    }

    /// <summary>One key's traffic: which site and URL it belongs to, and its decayed count.</summary>
    public sealed class KeyTraffic(string site, string url)
    {
        public string Site { get; } = site;
        public string Url { get; } = url;
        internal double Count;
        internal long LastTicks;
    }

    public readonly record struct Snapshot(string Key, string Site, string Url, double Volume);

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

    /// <summary>Counts one request and returns the key's decayed count including it.</summary>
    public double Record(string key, string site, Microsoft.AspNetCore.Http.HttpRequest request)
    {
        // The URL string is built only when a key is first seen.
        var traffic = _keys.GetOrAdd(key, static (_, state) => new KeyTraffic(state.site,
            $"{state.request.Scheme}://{state.request.Host}{state.request.PathBase}{state.request.Path}{state.request.QueryString}"), (site, request));
        double count;
        var now = _time.GetUtcNow().UtcTicks;
        lock (traffic)
        {
            traffic.Count = Decay(traffic.Count, traffic.LastTicks, now) + 1;
            traffic.LastTicks = now;
            count = traffic.Count;
        }
        if (_keys.Count > _options.CurrentValue.TrackedKeys * 2 && Interlocked.Exchange(ref _pruning, 1) == 0)
        {
            try
            {
                Prune();
            }
            finally
            {
                Volatile.Write(ref _pruning, 0);
            }
        }
        return count;
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

    /// <summary>Every tracked key with its decayed volume now, busiest first.</summary>
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
            list.Add(new Snapshot(key, traffic.Site, traffic.Url, volume));
        }
        list.Sort((a, b) => b.Volume.CompareTo(a.Volume));
        return list.Count > max ? list.GetRange(0, max) : list;
    }

    private void Prune()
    {
        var keep = Top(_options.CurrentValue.TrackedKeys).Select(s => s.Key).ToHashSet(StringComparer.Ordinal);
        foreach (var key in _keys.Keys)
        {
            if (!keep.Contains(key))
            {
                _keys.TryRemove(key, out _);
            }
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
