using System.Collections.Concurrent;
using System.Net;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace EdgeCache.Protection;

/// <summary>
/// A cap on concurrent requests to each cluster, with a bounded queue for readers. Background work
/// (refresh, warming) only takes a free slot, within its own smaller cap, and never queues, so it
/// always yields to readers and a failing origin sees a handful of refreshes, not one per page.
/// No client holds more than its share of a cluster's slots and queue places
/// (<see cref="OriginProtectionOptions.MaxConcurrentRequestsPerClient"/>).
/// </summary>
internal sealed class OriginLimiter : IDisposable
{
    private volatile ConcurrentDictionary<string, ConcurrencyLimiter> _limiters = new(StringComparer.OrdinalIgnoreCase);
    private volatile ConcurrentDictionary<string, ConcurrencyLimiter> _background = new(StringComparer.OrdinalIgnoreCase);
    private volatile ConcurrentDictionary<string, ClientShares> _clients = new(StringComparer.OrdinalIgnoreCase);
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
            _clients = new(StringComparer.OrdinalIgnoreCase);
        });
    }

    /// <summary>
    /// A slot for one origin request, or a lease that is not acquired when the cluster is at its cap
    /// (its queue full) or the reader's client at its share.
    /// </summary>
    /// <param name="clusterId">The cluster asked.</param>
    /// <param name="background">Refresh or warming: a free slot or none.</param>
    /// <param name="client">The reader's address (null for background work).</param>
    /// <param name="cancellationToken">Ends the wait.</param>
    public async ValueTask<RateLimitLease> AcquireAsync(string clusterId, bool background, IPAddress? client, CancellationToken cancellationToken)
    {
        var options = _options.CurrentValue;
        if (background)
        {
            return AcquireBackground(clusterId, options);
        }
        ClientShares? shares = null;
        if (client is not null && options.MaxConcurrentRequestsPerClient > 0)
        {
            shares = _clients.GetOrAdd(clusterId, static _ => new ClientShares());
            client = ClientShares.Group(client);
            if (!shares.TryEnter(client, options.MaxConcurrentRequestsPerClient))
            {
                return NotAcquired.Instance;
            }
        }
        RateLimitLease lease;
        try
        {
            lease = options.MaxConcurrentRequests <= 0 ? Unlimited.Instance : await Overall(clusterId, options).AcquireAsync(1, cancellationToken);
        }
        catch
        {
            shares?.Exit(client!);
            throw;
        }
        if (shares is null)
        {
            return lease;
        }
        if (!lease.IsAcquired)
        {
            shares.Exit(client!);
            return lease;
        }
        return new ClientLease(lease, shares, client!);
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

    /// <summary>An overall slot held on a client's share, released together.</summary>
    private sealed class ClientLease(RateLimitLease overall, ClientShares shares, IPAddress client) : AcquiredLease
    {
        private int _disposed;

        protected override void Dispose(bool disposing)
        {
            if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                overall.Dispose();
                shares.Exit(client);
            }
        }
    }

    /// <summary>The client is at its share.</summary>
    private sealed class NotAcquired : RateLimitLease
    {
        public static readonly NotAcquired Instance = new();
        public override bool IsAcquired => false;
        public override IEnumerable<string> MetadataNames => [];
        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = null;
            return false;
        }
    }

    /// <summary>How many requests each client has in flight or waiting, per cluster. Only clients with some are held.</summary>
    private sealed class ClientShares
    {
        private readonly Dictionary<IPAddress, int> _counts = [];

        /// <summary>An IPv4 address, or an IPv6 address's /64 (one subscriber's usual allocation).</summary>
        public static IPAddress Group(IPAddress address)
        {
            if (address.IsIPv4MappedToIPv6)
            {
                return address.MapToIPv4();
            }
            if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
            {
                return address;
            }
            Span<byte> bytes = stackalloc byte[16];
            address.TryWriteBytes(bytes, out _);
            bytes[8..].Clear();
            return new IPAddress(bytes);
        }

        public bool TryEnter(IPAddress client, int cap)
        {
            lock (_counts)
            {
                _counts.TryGetValue(client, out var count);
                if (count >= cap)
                {
                    return false;
                }
                _counts[client] = count + 1;
                return true;
            }
        }

        public void Exit(IPAddress client)
        {
            lock (_counts)
            {
                if (_counts.TryGetValue(client, out var count))
                {
                    if (count <= 1)
                    {
                        _counts.Remove(client);
                    }
                    else
                    {
                        _counts[client] = count - 1;
                    }
                }
            }
        }
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
