using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace EdgeCache.Protection;

/// <summary>
/// A cap on concurrent requests to each cluster, with a bounded queue for readers. Background work
/// (refresh, warming) only takes a free slot, within its own smaller cap, and never queues, so it
/// always yields to readers and a failing origin sees a handful of refreshes, not one per page.
/// </summary>
internal sealed class OriginLimiter : IDisposable
{
    private volatile ConcurrentDictionary<string, ConcurrencyLimiter> _limiters = new(StringComparer.OrdinalIgnoreCase);
    private volatile ConcurrentDictionary<string, ConcurrencyLimiter> _background = new(StringComparer.OrdinalIgnoreCase);
    private readonly IOptionsMonitor<OriginProtectionOptions> _options;
    private readonly IDisposable? _subscription;

    public OriginLimiter(IOptionsMonitor<OriginProtectionOptions> options)
    {
        _options = options;
        // The caps reload: new limiters for new requests; requests already holding a slot finish on the old ones.
        _subscription = options.OnChange(_ =>
        {
            _limiters = new(StringComparer.OrdinalIgnoreCase);
            _background = new(StringComparer.OrdinalIgnoreCase);
        });
    }

    /// <summary>A slot for one origin request, or a lease that is not acquired when the cluster is at its cap.</summary>
    public async ValueTask<RateLimitLease> AcquireAsync(string clusterId, bool background, CancellationToken cancellationToken)
    {
        var options = _options.CurrentValue;
        if (background)
        {
            return AcquireBackground(clusterId, options);
        }
        if (options.MaxConcurrentRequests <= 0)
        {
            return Unlimited.Instance;
        }
        return await Overall(clusterId, options).AcquireAsync(1, cancellationToken);
    }

    /// <summary>Background work takes a background slot and a free overall slot, or nothing: it never queues.</summary>
    private RateLimitLease AcquireBackground(string clusterId, OriginProtectionOptions options)
    {
        RateLimitLease background = Unlimited.Instance;
        if (options.MaxBackgroundRequests > 0)
        {
            background = _background.GetOrAdd(clusterId, static (_, o) => new ConcurrencyLimiter(new ConcurrencyLimiterOptions
            {
                PermitLimit = o.MaxBackgroundRequests,
                QueueLimit = 0,
            }), options).AttemptAcquire();
            if (!background.IsAcquired)
            {
                return background;
            }
        }
        if (options.MaxConcurrentRequests <= 0)
        {
            return background;
        }
        var overall = Overall(clusterId, options).AttemptAcquire();
        if (!overall.IsAcquired)
        {
            background.Dispose();
            return overall;
        }
        return background == Unlimited.Instance ? overall : new BothLease(background, overall);
    }

    private ConcurrencyLimiter Overall(string clusterId, OriginProtectionOptions options) =>
        _limiters.GetOrAdd(clusterId, static (_, o) => new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = o.MaxConcurrentRequests,
            QueueLimit = Math.Max(0, o.QueueLength),
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        }), options);

    public void Dispose()
    {
        _subscription?.Dispose();
        foreach (var limiter in _limiters.Values.Concat(_background.Values))
        {
            limiter.Dispose();
        }
    }

    /// <summary>A background slot and an overall slot, released together.</summary>
    private sealed class BothLease(RateLimitLease background, RateLimitLease overall) : AcquiredLease
    {
        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                background.Dispose();
                overall.Dispose();
            }
        }
    }

    private sealed class Unlimited : AcquiredLease
    {
        public static readonly Unlimited Instance = new();
    }

    /// <summary>A lease that holds its slots (or needs none), without metadata.</summary>
    private abstract class AcquiredLease : RateLimitLease
    {
        public override bool IsAcquired => true;
        public override IEnumerable<string> MetadataNames => [];
        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = null;
            return false;
        }
    }
}
