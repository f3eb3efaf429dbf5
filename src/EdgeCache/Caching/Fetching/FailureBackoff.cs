using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace EdgeCache.Caching.Fetching;

/// <summary>
/// An origin failing one URL is that URL's failure, never the site's. After a fetch of a key fails
/// (an answer among the failure statuses, or none) while a stored copy may stand in for it, the key
/// is not fetched again until its backoff has passed: the origin's <c>Retry-After</c> when it sent
/// one, else 1 s doubling; at most 60 s either way (a reader's request can provoke the failure: the
/// page is held back from others no longer than that). Only requests without credentials start one. Readers get the stored copy meanwhile; an answer
/// ends the backoff. Keys without a copy that may stand in are never backed off: their readers
/// always reach an origin that is up. Bounded: at most <see cref="MaxKeys"/> keys are remembered.
/// </summary>
internal sealed class FailureBackoff(TimeProvider time)
{
    public const int MaxKeys = 16_384;
    private static readonly TimeSpan First = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Longest = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan LongestRetryAfter = Longest;

    private readonly ConcurrentDictionary<string, Backoff> _keys = new(StringComparer.Ordinal);

    private sealed record Backoff(DateTimeOffset Until, TimeSpan Step);

    /// <summary>Whether the key is within its backoff: its stored copy answers, the origin is not asked.</summary>
    public bool IsBackingOff(string key, DateTimeOffset now) =>
        !_keys.IsEmpty && _keys.TryGetValue(key, out var backoff) && now < backoff.Until;

    /// <summary>A fetch of the key failed while a stored copy may stand in: back off.</summary>
    public void Failed(string key, IHeaderDictionary? originHeaders)
    {
        var now = time.GetUtcNow();
        if (_keys.Count >= MaxKeys && !_keys.ContainsKey(key))
        {
            Prune(now);
            if (_keys.Count >= MaxKeys)
            {
                return; // a flood of failing URLs: the coalescing still holds each one to a fetch at a time
            }
        }
        var retryAfter = RetryAfter(originHeaders, now);
        _keys.AddOrUpdate(key,
            static (_, state) => new Backoff(state.now + (state.retryAfter ?? First), First),
            static (_, previous, state) =>
            {
                var step = TimeSpan.FromTicks(Math.Min(previous.Step.Ticks * 2, Longest.Ticks));
                return new Backoff(state.now + (state.retryAfter ?? step), step);
            },
            (now, retryAfter));
    }

    /// <summary>The origin answered the key: no more backoff.</summary>
    public void Succeeded(string key)
    {
        if (!_keys.IsEmpty)
        {
            _keys.TryRemove(key, out _);
        }
    }

    /// <summary>The origin's <c>Retry-After</c> (seconds or an HTTP date), within bounds; null when absent or malformed.</summary>
    internal static TimeSpan? RetryAfter(IHeaderDictionary? headers, DateTimeOffset now)
    {
        if (headers is null || headers[HeaderNames.RetryAfter].ToString() is not { Length: > 0 } value)
        {
            return null;
        }
        TimeSpan delay;
        if (long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            delay = TimeSpan.FromSeconds(Math.Min(seconds, (long)LongestRetryAfter.TotalSeconds));
        }
        else if (Policy.HttpDate.Parse(value) is { } date)
        {
            delay = date - now;
        }
        else
        {
            return null;
        }
        return delay <= TimeSpan.Zero ? null : delay > LongestRetryAfter ? LongestRetryAfter : delay;
    }

    private void Prune(DateTimeOffset now)
    {
        foreach (var (key, backoff) in _keys)
        {
            // A key past its backoff by more than the longest step has no doubling left to remember.
            if (now - backoff.Until > Longest)
            {
                _keys.TryRemove(key, out _);
            }
        }
    }
}
