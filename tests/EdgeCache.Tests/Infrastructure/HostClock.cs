using Microsoft.Extensions.Time.Testing;

namespace EdgeCache.Tests.Infrastructure;

/// <summary>
/// The clock a running EdgeCache host gets in integration tests: its dates (ages, freshness,
/// Date headers) move only with <see cref="FakeTimeProvider.Advance"/>, while its timers and
/// timestamps run in real time. The host's timers include YARP's active probes and passive-health
/// reactivation, Kestrel's and the Redis client's timeouts, all talking to real servers between the
/// test's steps; frozen, they would stop the very things the tests watch. Unit tests use
/// <see cref="FakeTimeProvider"/> itself, whose timers move with the clock.
/// </summary>
internal sealed class HostClock() : FakeTimeProvider(DateTimeOffset.UtcNow)
{
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        System.CreateTimer(callback, state, dueTime, period);

    public override long GetTimestamp() => System.GetTimestamp();

    public override long TimestampFrequency => System.TimestampFrequency;
}
