using System.Net;
using EdgeCache.Protection;
using Microsoft.Extensions.Options;

namespace EdgeCache.Tests.Protection;

public sealed class OriginLimiterTests
{
    private static OriginLimiter Limiter(int overall, int background) =>
        new(new StaticOptions(new OriginProtectionOptions { MaxConcurrentRequests = overall, MaxBackgroundRequests = background, QueueLength = 0 }));

    [Fact]
    public async Task Background_PastItsOwnCap_RefusedWhileReadersStillGetSlots()
    {
        using var limiter = Limiter(overall: 4, background: 2);
        using var first = await limiter.AcquireAsync("site", background: true, client: null, default);
        using var second = await limiter.AcquireAsync("site", background: true, client: null, default);

        using var third = await limiter.AcquireAsync("site", background: true, client: null, default);
        using var reader = await limiter.AcquireAsync("site", background: false, client: null, default);
        using var otherSite = await limiter.AcquireAsync("other", background: true, client: null, default);

        Assert.True(first.IsAcquired && second.IsAcquired);
        Assert.False(third.IsAcquired);
        Assert.True(reader.IsAcquired);
        Assert.True(otherSite.IsAcquired);
    }

    [Fact]
    public async Task OneClientAtItsShare_RefusedWhileOtherClientsStillGetSlots()
    {
        using var limiter = new OriginLimiter(new StaticOptions(new OriginProtectionOptions
        {
            MaxConcurrentRequests = 8, MaxConcurrentRequestsPerClient = 2, QueueLength = 0,
        }));
        var hostile = IPAddress.Parse("192.0.2.7");
        var first = await limiter.AcquireAsync("site", background: false, hostile, default);
        using var second = await limiter.AcquireAsync("site", background: false, IPAddress.Parse("::ffff:192.0.2.7"), default);

        using var third = await limiter.AcquireAsync("site", background: false, hostile, default);
        using var other = await limiter.AcquireAsync("site", background: false, IPAddress.Parse("192.0.2.8"), default);
        using var otherSite = await limiter.AcquireAsync("other", background: false, hostile, default);

        Assert.True(first.IsAcquired && second.IsAcquired, "the client's share");
        Assert.False(third.IsAcquired, "past the client's share (the IPv4-mapped spelling is the same client)");
        Assert.True(other.IsAcquired, "another client");
        Assert.True(otherSite.IsAcquired, "the share is per cluster");
        first.Dispose();
        first.Dispose(); // released once only
        using var again = await limiter.AcquireAsync("site", background: false, hostile, default);
        using var notTwice = await limiter.AcquireAsync("site", background: false, hostile, default);
        Assert.True(again.IsAcquired);
        Assert.False(notTwice.IsAcquired);
    }

    [Fact]
    public async Task Ipv6Client_SharesItsSlash64()
    {
        using var limiter = new OriginLimiter(new StaticOptions(new OriginProtectionOptions
        {
            MaxConcurrentRequests = 8, MaxConcurrentRequestsPerClient = 1, QueueLength = 0,
        }));
        using var first = await limiter.AcquireAsync("site", background: false, IPAddress.Parse("2001:db8:1:2::1"), default);

        using var sameSubnet = await limiter.AcquireAsync("site", background: false, IPAddress.Parse("2001:db8:1:2:ffff::9"), default);
        using var otherSubnet = await limiter.AcquireAsync("site", background: false, IPAddress.Parse("2001:db8:1:3::1"), default);

        Assert.True(first.IsAcquired);
        Assert.False(sameSubnet.IsAcquired);
        Assert.True(otherSubnet.IsAcquired);
    }

    [Fact]
    public async Task CapChangedInConfiguration_NewRequestsGetTheNewCap()
    {
        var options = new ChangingOptions(new OriginProtectionOptions { MaxConcurrentRequests = 1, MaxBackgroundRequests = 0, QueueLength = 0 });
        using var limiter = new OriginLimiter(options);
        using var held = await limiter.AcquireAsync("site", background: false, client: null, default);
        using var refused = await limiter.AcquireAsync("site", background: true, client: null, default);

        options.Change(new OriginProtectionOptions { MaxConcurrentRequests = 3, MaxBackgroundRequests = 0, QueueLength = 0 });
        using var afterReload = await limiter.AcquireAsync("site", background: true, client: null, default);

        Assert.True(held.IsAcquired);
        Assert.False(refused.IsAcquired);
        Assert.True(afterReload.IsAcquired);
    }

    [Fact]
    public async Task CapChangedWhileReadersWait_QueuedReaderStillGetsTheSlotReleasedOnTheOldCap()
    {
        var options = new ChangingOptions(new OriginProtectionOptions { MaxConcurrentRequests = 1, QueueLength = 1, MaxConcurrentRequestsPerClient = 0 });
        using var limiter = new OriginLimiter(options);
        var held = await limiter.AcquireAsync("site", background: false, client: null, default);
        var waiting = limiter.AcquireAsync("site", background: false, client: null, default).AsTask();

        options.Change(new OriginProtectionOptions { MaxConcurrentRequests = 1, QueueLength = 1, MaxConcurrentRequestsPerClient = 0 });
        using var afterReload = await limiter.AcquireAsync("site", background: false, client: null, default);
        Assert.False(waiting.IsCompleted, "still queued on the old limiter");
        held.Dispose();
        using var queued = await waiting.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(afterReload.IsAcquired, "new requests are counted on the new limiter");
        Assert.True(queued.IsAcquired, "the reload dropped nobody waiting");
    }

    [Fact]
    public async Task Reader_PastCap_WaitsForAReleasedSlot_PastQueue_Refused()
    {
        using var limiter = new OriginLimiter(new StaticOptions(new OriginProtectionOptions { MaxConcurrentRequests = 1, QueueLength = 1 }));
        var held = await limiter.AcquireAsync("site", background: false, client: null, default);
        var waiting = limiter.AcquireAsync("site", background: false, client: null, default).AsTask();

        using var refused = await limiter.AcquireAsync("site", background: false, client: null, default);
        using var background = await limiter.AcquireAsync("site", background: true, client: null, default);
        Assert.False(waiting.IsCompleted);
        held.Dispose();
        using var queued = await waiting.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.False(refused.IsAcquired, "past the queue");
        Assert.False(background.IsAcquired, "background work never queues");
        Assert.True(queued.IsAcquired);
    }

    [Fact]
    public async Task QueuedReaderCancelled_ItsClientShareAndQueuePlaceGivenBack()
    {
        using var limiter = new OriginLimiter(new StaticOptions(new OriginProtectionOptions
        {
            MaxConcurrentRequests = 1, QueueLength = 1, MaxConcurrentRequestsPerClient = 1,
        }));
        var client = IPAddress.Parse("192.0.2.7");
        using var held = await limiter.AcquireAsync("site", background: false, IPAddress.Parse("192.0.2.8"), default);
        using var cancel = new CancellationTokenSource();
        var waiting = limiter.AcquireAsync("site", background: false, client, cancel.Token).AsTask();

        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        var again = limiter.AcquireAsync("site", background: false, client, default).AsTask();

        Assert.False(again.IsCompleted, "queued again: the cancelled request held neither the client's share nor the queue place");
        held.Dispose();
        using var lease = await again.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(lease.IsAcquired);
    }

    private sealed class ChangingOptions(OriginProtectionOptions value) : IOptionsMonitor<OriginProtectionOptions>
    {
        private Action<OriginProtectionOptions, string?>? _listener;
        public OriginProtectionOptions CurrentValue { get; private set; } = value;
        public OriginProtectionOptions Get(string? name) => CurrentValue;
        public IDisposable? OnChange(Action<OriginProtectionOptions, string?> listener)
        {
            _listener = listener;
            return null;
        }
        public void Change(OriginProtectionOptions next)
        {
            CurrentValue = next;
            _listener?.Invoke(next, null);
        }
    }

    [Fact]
    public async Task Background_Released_FreesBothItsSlots()
    {
        using var limiter = Limiter(overall: 2, background: 1);
        var background = await limiter.AcquireAsync("site", background: true, client: null, default);
        using var reader = await limiter.AcquireAsync("site", background: false, client: null, default);
        Assert.False((await limiter.AcquireAsync("site", background: true, client: null, default)).IsAcquired);

        background.Dispose();

        using var again = await limiter.AcquireAsync("site", background: true, client: null, default);
        Assert.True(again.IsAcquired);
        again.Dispose();
        using var secondReader = await limiter.AcquireAsync("site", background: false, client: null, default);
        Assert.True(secondReader.IsAcquired);
    }

    [Fact]
    public async Task Background_OverallCapFull_RefusedAndHoldsNoBackgroundSlot()
    {
        using var limiter = Limiter(overall: 1, background: 1);
        var reader = await limiter.AcquireAsync("site", background: false, client: null, default);

        Assert.False((await limiter.AcquireAsync("site", background: true, client: null, default)).IsAcquired);
        reader.Dispose();
        using var background = await limiter.AcquireAsync("site", background: true, client: null, default);
        Assert.True(background.IsAcquired);
    }

    private sealed class StaticOptions(OriginProtectionOptions value) : IOptionsMonitor<OriginProtectionOptions>
    {
        public OriginProtectionOptions CurrentValue => value;
        public OriginProtectionOptions Get(string? name) => value;
        public IDisposable? OnChange(Action<OriginProtectionOptions, string?> listener) => null;
    }
}
