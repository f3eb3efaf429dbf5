using EdgeCache.Warming;
using Microsoft.Extensions.Time.Testing;

namespace EdgeCache.Tests.Warming;

public sealed class WarmPaceTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public async Task WaitAsync_FirstAtOnce_NextOnePeriodLaterOnTheInjectedClock()
    {
        using var pace = new WarmPace(requestsPerSecond: 4, _time);
        await pace.WaitAsync(default).AsTask().WaitAsync(Patience);

        var second = pace.WaitAsync(default).AsTask();
        _time.Advance(TimeSpan.FromMilliseconds(249));
        Assert.False(second.IsCompleted, "before a quarter of a second");
        _time.Advance(TimeSpan.FromMilliseconds(1));
        await second.WaitAsync(Patience);

        var third = pace.WaitAsync(default).AsTask();
        Assert.False(third.IsCompleted);
        _time.Advance(TimeSpan.FromMilliseconds(250));
        await third.WaitAsync(Patience);
    }

    [Fact]
    public async Task WaitAsync_FractionalRate_OneEveryTwoSeconds()
    {
        using var pace = new WarmPace(requestsPerSecond: 0.5, _time);
        await pace.WaitAsync(default).AsTask().WaitAsync(Patience);

        var second = pace.WaitAsync(default).AsTask();
        _time.Advance(TimeSpan.FromSeconds(1.9));
        Assert.False(second.IsCompleted);
        _time.Advance(TimeSpan.FromSeconds(0.1));
        await second.WaitAsync(Patience);
    }

    [Fact]
    public async Task WaitAsync_AfterALongPause_NoBurst()
    {
        using var pace = new WarmPace(requestsPerSecond: 10, _time);
        await pace.WaitAsync(default).AsTask().WaitAsync(Patience);

        _time.Advance(TimeSpan.FromMinutes(1));
        await pace.WaitAsync(default).AsTask().WaitAsync(Patience);
        var next = pace.WaitAsync(default).AsTask();

        Assert.False(next.IsCompleted, "one start saved up during the pause, not 600");
        _time.Advance(TimeSpan.FromMilliseconds(100));
        await next.WaitAsync(Patience);
    }

    [Fact]
    public async Task WaitAsync_HighRate_StillAtMostThatManyPerSecond()
    {
        using var pace = new WarmPace(requestsPerSecond: 1000, _time);
        var started = 0;
        for (var tick = 0; tick < 100; tick++)
        {
            Task next;
            while ((next = pace.WaitAsync(default).AsTask()).IsCompleted)
            {
                started++;
            }
            _time.Advance(TimeSpan.FromMilliseconds(10));
            await next.WaitAsync(Patience);
            started++;
        }

        // One second: its 1,000 starts, plus at most the one timer period's worth (10) the pace starts with.
        Assert.InRange(started, 1000, 1010);
    }

    [Fact]
    public async Task WaitAsync_Cancelled_Throws()
    {
        using var pace = new WarmPace(requestsPerSecond: 1, _time);
        await pace.WaitAsync(default);
        using var cancel = new CancellationTokenSource();

        var waiting = pace.WaitAsync(cancel.Token).AsTask();
        cancel.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(Patience));
    }
}
