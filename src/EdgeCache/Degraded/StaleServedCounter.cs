namespace EdgeCache.Degraded;

/// <summary>Stale responses served for an origin failure, over the last hour (one-minute buckets).</summary>
internal sealed class StaleServedCounter
{
    private const int Buckets = 60;
    private readonly long[] _counts = new long[Buckets];
    private readonly long[] _minutes = new long[Buckets];
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();

    public StaleServedCounter(TimeProvider time)
    {
        _time = time;
    }

    public void Increment()
    {
        var minute = _time.GetUtcNow().ToUnixTimeSeconds() / 60;
        var slot = (int)(minute % Buckets);
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

    public long LastHour()
    {
        var minute = _time.GetUtcNow().ToUnixTimeSeconds() / 60;
        long total = 0;
        lock (_lock)
        {
            for (var i = 0; i < Buckets; i++)
            {
                if (minute - _minutes[i] < Buckets)
                {
                    total += _counts[i];
                }
            }
        }
        return total;
    }
}
