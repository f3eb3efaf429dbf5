using System.Collections.Concurrent;

namespace EdgeCache.Degraded;

/// <summary>Stale responses served for an origin failure over the last hour (one-minute buckets), in all and per site.</summary>
internal sealed class StaleServedCounter
{
    private readonly Buckets _all = new();
    // One per site (a cluster of the configuration): bounded by the configuration.
    private readonly ConcurrentDictionary<string, Buckets> _sites = new(StringComparer.OrdinalIgnoreCase);
    private readonly TimeProvider _time;

    public StaleServedCounter(TimeProvider time)
    {
        _time = time;
    }

    public void Increment(string site)
    {
        var minute = Minute();
        _all.Increment(minute);
        _sites.GetOrAdd(site, _ => new Buckets()).Increment(minute);
    }

    public long LastHour() => _all.LastHour(Minute());

    public long LastHour(string site) => _sites.TryGetValue(site, out var buckets) ? buckets.LastHour(Minute()) : 0;

    private long Minute() => _time.GetUtcNow().ToUnixTimeSeconds() / 60;

    private sealed class Buckets
    {
        private const int Count = 60;
        private readonly long[] _counts = new long[Count];
        private readonly long[] _minutes = new long[Count];
        private readonly Lock _lock = new();

        public void Increment(long minute)
        {
            var slot = (int)(minute % Count);
            lock (_lock)
            {
                if (_minutes[slot] != minute)
                {
                    _minutes[slot] = minute;
                    _counts[slot] = 0;
                }
                _counts[slot]++;
            }
        }

        public long LastHour(long minute)
        {
            long total = 0;
            lock (_lock)
            {
                for (var i = 0; i < Count; i++)
                {
                    if (minute - _minutes[i] < Count)
                    {
                        total += _counts[i];
                    }
                }
            }
            return total;
        }
    }
}
