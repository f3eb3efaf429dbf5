namespace EdgeCache.Caching.Stores;

/// <summary>
/// The shared tier's circuit breaker. A hung Redis (a paused process, a saturated server, a
/// network that drops packets) keeps its connection and costs every operation the whole
/// <see cref="RedisStoreOptions.Timeout"/>; a refused one is noticed by the client at once. After
/// <see cref="Threshold"/> failed operations in a row the breaker opens: the tier is skipped (a
/// read is a miss, a write is skipped, a purge is refused) until a probe of every primary answers
/// within the timeout. Thread-safe; the state changes are reported to the caller once each.
/// </summary>
internal sealed class RedisBreaker
{
    /// <summary>Failed operations in a row that open the breaker.</summary>
    public const int Threshold = 3;

    private int _failures;
    private int _open;

    public bool IsOpen => Volatile.Read(ref _open) == 1;

    public void Succeeded() => Volatile.Write(ref _failures, 0);

    /// <summary>Counts a failure; true for the one that opens the breaker.</summary>
    public bool Failed() => Interlocked.Increment(ref _failures) >= Threshold && Interlocked.CompareExchange(ref _open, 1, 0) == 0;

    /// <summary>A probe answered: true when this closed the breaker.</summary>
    public bool Close()
    {
        Volatile.Write(ref _failures, 0);
        return Interlocked.CompareExchange(ref _open, 0, 1) == 1;
    }
}
