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
/// <remarks>
/// Built from System.Threading.RateLimiting: per-cluster <see cref="ConcurrencyLimiter"/> partitions,
/// chained (<see cref="PartitionedRateLimiter.CreateChained{TResource}"/>) after the client's share
/// for readers and after the background cap for background work. A chain takes its slots in order
/// and gives back those it took when a later one refuses, throws or is cancelled. The caps reload:
/// a new set of limiters serves new requests, and the old set is disposed once the last lease it
/// handed out (or request waiting in its queue) is done.
/// </remarks>
internal sealed class OriginLimiter : IDisposable
{
    private readonly IDisposable? _subscription;
    private Limiters _current;
    private volatile bool _disposed;

    public OriginLimiter(IOptionsMonitor<OriginProtectionOptions> options)
    {
        _current = new Limiters(options.CurrentValue);
        _subscription = options.OnChange(next => Interlocked.Exchange(ref _current, new Limiters(next)).Retire());
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
        var slot = new Slot(clusterId, background ? null : client);
        while (true)
        {
            var limiters = Volatile.Read(ref _current);
            if (!limiters.TryEnter())
            {
                // Retired and disposed between the read and the entry: _current is already its successor.
                ObjectDisposedException.ThrowIf(_disposed, this);
                continue;
            }
            RateLimitLease lease;
            try
            {
                lease = background
                    ? limiters.Background.AttemptAcquire(slot)
                    : await limiters.Readers.AcquireAsync(slot, 1, cancellationToken);
            }
            catch
            {
                limiters.Exit();
                throw;
            }
            if (!lease.IsAcquired)
            {
                limiters.Exit();
                return lease;
            }
            return new HeldLease(lease, limiters);
        }
    }

    public void Dispose()
    {
        _disposed = true;
        _subscription?.Dispose();
        Volatile.Read(ref _current).Retire();
    }

    /// <summary>What a request asks for: a cluster, and the reader's address when it is a reader's request.</summary>
    private readonly record struct Slot(string ClusterId, IPAddress? Client);

    /// <summary>One client's share of one cluster.</summary>
    private readonly record struct ClientKey(string ClusterId, IPAddress? Client)
    {
        public static readonly IEqualityComparer<ClientKey> Comparer = new KeyComparer();

        private sealed class KeyComparer : IEqualityComparer<ClientKey>
        {
            public bool Equals(ClientKey x, ClientKey y) =>
                string.Equals(x.ClusterId, y.ClusterId, StringComparison.OrdinalIgnoreCase) && Equals(x.Client, y.Client);

            public int GetHashCode(ClientKey key) =>
                HashCode.Combine(StringComparer.OrdinalIgnoreCase.GetHashCode(key.ClusterId), key.Client);
        }
    }

    /// <summary>
    /// The limiters built from one version of the options, and how many leases (held or awaited)
    /// came from them: once replaced and unused, they are disposed (a partitioned limiter runs a timer).
    /// </summary>
    private sealed class Limiters
    {
        private readonly PartitionedRateLimiter<Slot>[] _owned;
        private int _users; // -1 once disposed
        private int _retired;

        public Limiters(OriginProtectionOptions options)
        {
            var overallCap = options.MaxConcurrentRequests;
            var queue = Math.Max(0, options.QueueLength);
            var backgroundCap = options.MaxBackgroundRequests;
            var clientCap = options.MaxConcurrentRequestsPerClient;

            PartitionedRateLimiter<Slot>? overall = overallCap <= 0 ? null : PartitionedRateLimiter.Create<Slot, string>(
                slot => RateLimitPartition.GetConcurrencyLimiter(slot.ClusterId, _ => new ConcurrencyLimiterOptions
                {
                    PermitLimit = overallCap,
                    QueueLimit = queue,
                    QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                }),
                StringComparer.OrdinalIgnoreCase);
            PartitionedRateLimiter<Slot>? background = backgroundCap <= 0 ? null : PartitionedRateLimiter.Create<Slot, string>(
                slot => RateLimitPartition.GetConcurrencyLimiter(slot.ClusterId, _ => new ConcurrencyLimiterOptions
                {
                    PermitLimit = backgroundCap,
                    QueueLimit = 0,
                }),
                StringComparer.OrdinalIgnoreCase);
            // A client's requests waiting in the cluster's queue hold their share too: it comes first in the chain.
            // Idle partitions (clients with nothing in flight) are dropped by the partitioned limiter itself.
            PartitionedRateLimiter<Slot>? perClient = clientCap <= 0 ? null : PartitionedRateLimiter.Create<Slot, ClientKey>(
                slot => slot.Client is null
                    ? RateLimitPartition.GetNoLimiter(new ClientKey(slot.ClusterId, null))
                    : RateLimitPartition.GetConcurrencyLimiter(new ClientKey(slot.ClusterId, Group(slot.Client)), _ => new ConcurrencyLimiterOptions
                    {
                        PermitLimit = clientCap,
                        QueueLimit = 0,
                    }),
                ClientKey.Comparer);
            PartitionedRateLimiter<Slot>? unlimited = null;
            Readers = Chain(perClient, overall) ?? (unlimited ??= Unlimited());
            Background = Chain(background, overall) ?? (unlimited ??= Unlimited());
            _owned = new[] { overall, background, perClient, unlimited }.OfType<PartitionedRateLimiter<Slot>>().ToArray();
        }

        /// <summary>Readers: the client's share, then a cluster slot or a place in its queue.</summary>
        public PartitionedRateLimiter<Slot> Readers { get; }

        /// <summary>Background work: a background slot, then a free cluster slot; taken only with AttemptAcquire.</summary>
        public PartitionedRateLimiter<Slot> Background { get; }

        public bool TryEnter()
        {
            while (true)
            {
                var users = Volatile.Read(ref _users);
                if (users < 0)
                {
                    return false;
                }
                if (Interlocked.CompareExchange(ref _users, users + 1, users) == users)
                {
                    return true;
                }
            }
        }

        public void Exit()
        {
            if (Interlocked.Decrement(ref _users) == 0 && Volatile.Read(ref _retired) == 1)
            {
                DisposeIfUnused();
            }
        }

        /// <summary>Replaced: disposed now if nothing uses it, else when its last lease is released.</summary>
        public void Retire()
        {
            Volatile.Write(ref _retired, 1);
            DisposeIfUnused();
        }

        private void DisposeIfUnused()
        {
            if (Interlocked.CompareExchange(ref _users, -1, 0) != 0)
            {
                return;
            }
            foreach (var limiter in _owned)
            {
                limiter.Dispose();
            }
        }

        private static PartitionedRateLimiter<Slot> Unlimited() =>
            PartitionedRateLimiter.Create<Slot, string>(_ => RateLimitPartition.GetNoLimiter(""));

        private static PartitionedRateLimiter<Slot>? Chain(PartitionedRateLimiter<Slot>? first, PartitionedRateLimiter<Slot>? second) =>
            first is null ? second : second is null ? first : PartitionedRateLimiter.CreateChained(first, second);
    }

    /// <summary>An IPv4 address, or an IPv6 address's /64 (one subscriber's usual allocation).</summary>
    private static IPAddress Group(IPAddress address)
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

    /// <summary>A lease from one set of limiters: released once, and then no longer keeping that set alive.</summary>
    private sealed class HeldLease(RateLimitLease lease, Limiters limiters) : RateLimitLease
    {
        private int _disposed;

        public override bool IsAcquired => true;
        public override IEnumerable<string> MetadataNames => lease.MetadataNames;
        public override bool TryGetMetadata(string metadataName, out object? metadata) => lease.TryGetMetadata(metadataName, out metadata);

        protected override void Dispose(bool disposing)
        {
            if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                try
                {
                    lease.Dispose();
                }
                finally
                {
                    limiters.Exit();
                }
            }
        }
    }
}
