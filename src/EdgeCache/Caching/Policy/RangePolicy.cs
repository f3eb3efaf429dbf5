using EdgeCache.Caching.Entries;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace EdgeCache.Caching.Policy;

/// <summary>
/// RFC 9110 section 14 (Range) and 13.1.5 (If-Range) for a complete stored response: request
/// headers and the entry in, a decision out. Pure: no clock, no I/O.
/// <para>
/// What the edge serves is deliberately narrower than the RFC allows, and everything it does not
/// serve falls back to the full response, which 14.2 permits ("a server MAY ignore the Range
/// header field"): only the <c>bytes</c> unit, only one range (a multipart/byteranges body is
/// rarely asked for, costs a boundary and a copy per part, and every client that sends several
/// ranges also accepts the whole), and only from a stored 200.
/// </para>
/// </summary>
internal static class RangePolicy
{
    /// <summary>
    /// Whether to send <paramref name="entry"/> whole, one range of it, or a 416. A conditional
    /// request answered 304 never gets here (RFC 9110 13.2.2: If-None-Match and If-Modified-Since
    /// are evaluated before If-Range and Range).
    /// </summary>
    public static RangeDecision Decide(string method, CacheEntry entry, IHeaderDictionary requestHeaders)
    {
        var range = requestHeaders.Range;
        if (range.Count == 0
            // RFC 9110 14.2: GET is the only method with range handling; a server MUST ignore Range on others, HEAD included.
            || !HttpMethods.IsGet(method)
            // A range of a 404 or a redirect is nothing a reader wants: ranges apply to complete 200s only.
            || entry.StatusCode != StatusCodes.Status200OK
            || !AdvertisesBytes(entry.GetHeader(HeaderNames.AcceptRanges)))
        {
            return RangeDecision.Full;
        }
        var ifRange = requestHeaders.IfRange;
        if (ifRange.Count > 0 && !IfRangeMatches(ifRange, entry.ETag, entry.LastModified, entry.GetHeader(HeaderNames.Date)))
        {
            return RangeDecision.Full; // RFC 9110 13.1.5: the validator does not match, so the Range is ignored.
        }
        return Parse(range, entry.Body.Length);
    }

    /// <summary>
    /// The origin's own <c>Accept-Ranges</c> is replayed as stored and honoured: an origin that
    /// says <c>none</c> gets no ranges served of its responses either, so what a reader is told and
    /// what it gets agree. No field at all means the cache's own <c>bytes</c>.
    /// </summary>
    public static bool AdvertisesBytes(string? acceptRanges)
    {
        if (acceptRanges is null)
        {
            return true;
        }
        foreach (var unit in acceptRanges.AsSpan().Split(','))
        {
            if (acceptRanges.AsSpan()[unit].Trim().Equals("bytes", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// RFC 9110 14.1.2 and 14.1.1 for one <c>bytes</c> range of a representation of
    /// <paramref name="length"/> bytes: <c>a-b</c> (b past the end is cut to the end), <c>a-</c>,
    /// <c>-n</c> (the last n bytes, all of them when shorter). A first position at or past the end,
    /// or <c>-0</c>, is unsatisfiable (416). Anything invalid, another unit, or more than one range
    /// is ignored: the full response.
    /// </summary>
    public static RangeDecision Parse(StringValues range, long length)
    {
        if (range.Count != 1 || range[0] is not { } value)
        {
            return RangeDecision.Full; // several Range fields: more than one range
        }
        var text = value.AsSpan().Trim();
        var equals = text.IndexOf('=');
        // Range units are case-insensitive (RFC 9110 14.1); no whitespace around "=".
        if (equals < 0 || !text[..equals].Equals("bytes", StringComparison.OrdinalIgnoreCase))
        {
            return RangeDecision.Full;
        }
        var spec = text[(equals + 1)..].Trim();
        if (spec.Contains(','))
        {
            return RangeDecision.Full; // several ranges: multipart/byteranges is not served
        }
        var dash = spec.IndexOf('-');
        if (dash < 0)
        {
            return RangeDecision.Full;
        }
        if (dash == 0)
        {
            // suffix-range: the last n bytes.
            if (!TryParseDigits(spec[1..], out var suffix))
            {
                return RangeDecision.Full;
            }
            if (suffix == 0)
            {
                return RangeDecision.NotSatisfiable;
            }
            if (length == 0)
            {
                return RangeDecision.Full; // satisfiable by 14.1.1, yet no byte to name in Content-Range: the empty 200
            }
            var count = Math.Min(suffix, length);
            return new RangeDecision(RangeOutcome.Partial, length - count, count);
        }
        if (!TryParseDigits(spec[..dash], out var first))
        {
            return RangeDecision.Full;
        }
        var last = long.MaxValue;
        var lastText = spec[(dash + 1)..];
        if (lastText.Length > 0 && (!TryParseDigits(lastText, out last) || last < first))
        {
            return RangeDecision.Full; // last-pos before first-pos: invalid (14.1.1), ignored
        }
        if (first >= length)
        {
            return RangeDecision.NotSatisfiable;
        }
        var end = Math.Min(last, length - 1);
        return new RangeDecision(RangeOutcome.Partial, first, end - first + 1);
    }

    /// <summary>
    /// RFC 9110 13.1.5: an entity-tag matches only by strong comparison (a weak tag, sent or
    /// stored, never matches); an HTTP-date only when it equals the stored <c>Last-Modified</c>
    /// exactly and that date is strong: the stored <c>Date</c> at least one second later (8.8.2.2).
    /// Anything else, an unparsable value included, does not match.
    /// </summary>
    public static bool IfRangeMatches(StringValues ifRange, string? etag, string? lastModified, string? date)
    {
        if (ifRange.Count != 1 || ifRange[0] is not { } value)
        {
            return false;
        }
        value = value.Trim();
        if (value.StartsWith('"') || value.StartsWith("W/", StringComparison.Ordinal))
        {
            return etag is not null
                && EntityTagHeaderValue.TryParse(value, out var sent)
                && EntityTagHeaderValue.TryParse(etag, out var stored)
                && sent.Compare(stored, useStrongComparison: true);
        }
        return HttpDate.Parse(value) is { } since
            && HttpDate.Parse(lastModified) is { } modified
            && HttpDate.Parse(date) is { } served
            && since == modified
            && served - modified >= TimeSpan.FromSeconds(1);
    }

    /// <summary>1*DIGIT; a value past <see cref="long.MaxValue"/> saturates (it is past any body's end anyway).</summary>
    private static bool TryParseDigits(ReadOnlySpan<char> digits, out long value)
    {
        value = 0;
        if (digits.IsEmpty)
        {
            return false;
        }
        foreach (var c in digits)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
            value = value > (long.MaxValue - 9) / 10 ? long.MaxValue : value * 10 + (c - '0');
        }
        return true;
    }
}
