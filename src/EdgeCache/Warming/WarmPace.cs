using System.Threading.RateLimiting;

namespace EdgeCache.Warming;

/// <summary>
/// Paces warming requests: at most <c>RequestsPerSecond</c> started per second, the first at once,
/// and never a burst after a pause (at most one timer period's worth saved up: one start below 100 a second). A <see cref="TokenBucketRateLimiter"/>
/// replenished by a timer on the injected <see cref="TimeProvider"/>: the limiter's own timer knows
/// only the wall clock, so it replenishes by hand here, and its <c>ReplenishmentPeriod</c> (the
/// least wall-clock time between two replenishments it accepts) is one tick.
/// </summary>
internal sealed class WarmPace : IDisposable
{
    /// <summary>Above this many timer ticks a second, each tick brings several tokens (timers are ~1 ms coarse).</summary>
    private const double MaxTicksPerSecond = 100;

    private readonly TokenBucketRateLimiter? _bucket;
    private readonly ITimer? _timer;

    /// <param name="requestsPerSecond">Starts per second (fractions allowed: 0.5 is one every 2 s); 0 or less: unpaced.</param>
    /// <param name="time">The clock whose timer replenishes the bucket.</param>
    public WarmPace(double requestsPerSecond, TimeProvider time)
    {
        if (!(requestsPerSecond > 0) || double.IsInfinity(requestsPerSecond))
        {
            return;
        }
        var tokens = requestsPerSecond <= MaxTicksPerSecond ? 1 : (int)Math.Min(Math.Ceiling(requestsPerSecond / MaxTicksPerSecond), int.MaxValue);
        // At least one a day: a timer's period has an upper bound (about 49 days).
        var period = TimeSpan.FromSeconds(Math.Min(tokens / requestsPerSecond, TimeSpan.FromDays(1).TotalSeconds));
        _bucket = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = tokens,
            TokensPerPeriod = tokens,
            ReplenishmentPeriod = TimeSpan.FromTicks(1),
            AutoReplenishment = false,
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
        _timer = time.CreateTimer(static bucket => ((TokenBucketRateLimiter)bucket!).TryReplenish(), _bucket, period, period);
    }

    /// <summary>Completes when the next request may start.</summary>
    public async ValueTask WaitAsync(CancellationToken cancellationToken)
    {
        if (_bucket is null)
        {
            return;
        }
        using var lease = await _bucket.AcquireAsync(1, cancellationToken);
        ObjectDisposedException.ThrowIf(!lease.IsAcquired, this); // queued requests fail only when the pace is disposed
    }

    public void Dispose()
    {
        _timer?.Dispose();
        _bucket?.Dispose();
    }
}
