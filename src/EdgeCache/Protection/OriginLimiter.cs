using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace EdgeCache.Protection;

/// <summary>
/// A cap on concurrent requests to each cluster, with a bounded queue for readers. Background work
/// (refresh, warming) only takes a free slot and never queues, so it always yields to readers.
/// </summary>
internal sealed class OriginLimiter : IDisposable
{
    private readonly ConcurrentDictionary<string, ConcurrencyLimiter> _limiters = new(StringComparer.OrdinalIgnoreCase);
    private readonly IOptionsMonitor<OriginProtectionOptions> _options;

    public OriginLimiter(IOptionsMonitor<OriginProtectionOptions> options)
    {
        _options = options;
    }

    /// <summary>A slot for one origin request, or a lease that is not acquired when the cluster is at its cap.</summary>
    public async ValueTask<RateLimitLease> AcquireAsync(string clusterId, bool background, CancellationToken cancellationToken)
    {
        var options = _options.CurrentValue;
        if (options.MaxConcurrentRequests <= 0)
        {
            return Unlimited.Instance;
        }
        var limiter = _limiters.GetOrAdd(clusterId, static (_, o) => new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = o.MaxConcurrentRequests,
            QueueLimit = Math.Max(0, o.QueueLength),
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        }), options);
        return background ? limiter.AttemptAcquire() : await limiter.AcquireAsync(1, cancellationToken);
    }

    public void Dispose()
    {
        foreach (var limiter in _limiters.Values)
        {
            limiter.Dispose();
        }
    }

    private sealed class Unlimited : RateLimitLease
    {
        public static readonly Unlimited Instance = new();
        public override bool IsAcquired => true;
        public override IEnumerable<string> MetadataNames => [];
        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = null;
            return false;
        }
    }
}
