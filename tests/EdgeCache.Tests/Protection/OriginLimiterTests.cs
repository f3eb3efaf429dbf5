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
        using var first = await limiter.AcquireAsync("site", background: true, default);
        using var second = await limiter.AcquireAsync("site", background: true, default);

        using var third = await limiter.AcquireAsync("site", background: true, default);
        using var reader = await limiter.AcquireAsync("site", background: false, default);
        using var otherSite = await limiter.AcquireAsync("other", background: true, default);

        Assert.True(first.IsAcquired && second.IsAcquired);
        Assert.False(third.IsAcquired);
        Assert.True(reader.IsAcquired);
        Assert.True(otherSite.IsAcquired);
    }

    [Fact]
    public async Task CapChangedInConfiguration_NewRequestsGetTheNewCap()
    {
        var options = new ChangingOptions(new OriginProtectionOptions { MaxConcurrentRequests = 1, MaxBackgroundRequests = 0, QueueLength = 0 });
        using var limiter = new OriginLimiter(options);
        using var held = await limiter.AcquireAsync("site", background: false, default);
        using var refused = await limiter.AcquireAsync("site", background: true, default);

        options.Change(new OriginProtectionOptions { MaxConcurrentRequests = 3, MaxBackgroundRequests = 0, QueueLength = 0 });
        using var afterReload = await limiter.AcquireAsync("site", background: true, default);

        Assert.True(held.IsAcquired);
        Assert.False(refused.IsAcquired);
        Assert.True(afterReload.IsAcquired);
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
        var background = await limiter.AcquireAsync("site", background: true, default);
        using var reader = await limiter.AcquireAsync("site", background: false, default);
        Assert.False((await limiter.AcquireAsync("site", background: true, default)).IsAcquired);

        background.Dispose();

        using var again = await limiter.AcquireAsync("site", background: true, default);
        Assert.True(again.IsAcquired);
        again.Dispose();
        using var secondReader = await limiter.AcquireAsync("site", background: false, default);
        Assert.True(secondReader.IsAcquired);
    }

    [Fact]
    public async Task Background_OverallCapFull_RefusedAndHoldsNoBackgroundSlot()
    {
        using var limiter = Limiter(overall: 1, background: 1);
        var reader = await limiter.AcquireAsync("site", background: false, default);

        Assert.False((await limiter.AcquireAsync("site", background: true, default)).IsAcquired);
        reader.Dispose();
        using var background = await limiter.AcquireAsync("site", background: true, default);
        Assert.True(background.IsAcquired);
    }

    private sealed class StaticOptions(OriginProtectionOptions value) : IOptionsMonitor<OriginProtectionOptions>
    {
        public OriginProtectionOptions CurrentValue => value;
        public OriginProtectionOptions Get(string? name) => value;
        public IDisposable? OnChange(Action<OriginProtectionOptions, string?> listener) => null;
    }
}
