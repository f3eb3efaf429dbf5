using Microsoft.Extensions.Time.Testing;
using EdgeCache.Caching.Fetching;
using EdgeCache.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace EdgeCache.Tests.Caching.Fetching;

public sealed class FailureBackoffTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));

    private bool BackingOff(FailureBackoff backoff, string key = "k") => backoff.IsBackingOff(key, _clock.GetUtcNow());

    [Fact]
    public void NoRetryAfter_OneSecondDoublingToSixtySeconds()
    {
        var backoff = new FailureBackoff(_clock);
        var expected = new[] { 1, 2, 4, 8, 16, 32, 60, 60 };

        foreach (var seconds in expected)
        {
            backoff.Failed("k", null);
            _clock.Advance(TimeSpan.FromSeconds(seconds) - TimeSpan.FromMilliseconds(10));
            Assert.True(BackingOff(backoff), $"within the {seconds} s backoff");
            _clock.Advance(TimeSpan.FromMilliseconds(20));
            Assert.False(BackingOff(backoff), $"past the {seconds} s backoff");
        }
        Assert.False(BackingOff(backoff, "other"));
    }

    [Fact]
    public void Answer_EndsTheBackoffAndItsDoubling()
    {
        var backoff = new FailureBackoff(_clock);
        backoff.Failed("k", null);
        backoff.Failed("k", null);

        backoff.Succeeded("k");
        Assert.False(BackingOff(backoff));
        backoff.Failed("k", null);
        _clock.Advance(TimeSpan.FromSeconds(1.1));
        Assert.False(BackingOff(backoff));
    }

    [Theory]
    [InlineData("30", 30)]
    [InlineData("300", 60)]
    [InlineData("0", null)]
    [InlineData("-5", null)]
    [InlineData("soon", null)]
    [InlineData("99999999999", 60)]               // a hostile origin cannot silence a URL for days
    [InlineData("Mon, 23 Nov 2026 12:00:45 GMT", 45)]
    [InlineData("Monday, 23-Nov-26 12:00:45 GMT", 45)] // obsolete RFC 850 form
    [InlineData("Mon Nov 23 12:00:45 2026", 45)]       // obsolete asctime form
    [InlineData("Mon, 23 Nov 2026 11:00:00 GMT", null)] // in the past
    [InlineData("Fri, 31 Dec 9999 23:59:59 GMT", 60)]
    public void RetryAfter_SecondsOrDate_Bounded(string value, int? seconds)
    {
        var headers = new HeaderDictionary { ["Retry-After"] = value };

        Assert.Equal(seconds is { } s ? TimeSpan.FromSeconds(s) : null, FailureBackoff.RetryAfter(headers, _clock.GetUtcNow()));
    }

    [Fact]
    public void ManyFailingUrls_Bounded()
    {
        var backoff = new FailureBackoff(_clock);
        for (var i = 0; i < FailureBackoff.MaxKeys + 100; i++)
        {
            backoff.Failed("k" + i, null);
        }
        Assert.False(BackingOff(backoff, "k" + (FailureBackoff.MaxKeys + 50)));

        _clock.Advance(TimeSpan.FromSeconds(62));
        backoff.Failed("late", null);
        Assert.True(BackingOff(backoff, "late"), "expired keys make room");
    }
}
