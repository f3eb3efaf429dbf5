using System.Globalization;
using EdgeCache.Caching.Entries;
using EdgeCache.Caching.Policy;
using EdgeCache.Compression;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace EdgeCache.Caching;

/// <summary>
/// Sends an entry to the reader: stored headers, <c>Age</c>, <c>Cache-Status</c>, body (none for
/// HEAD); a 304 for a matching conditional request; one byte range (206) or a 416 for a Range
/// request (<see cref="RangePolicy"/>); of an entry with encoded forms, the one the reader's
/// <c>Accept-Encoding</c> prefers (<see cref="AcceptEncoding"/>), with <c>Vary: Accept-Encoding</c>.
/// Every path that answers from an entry (hits before and after routing, stale copies, fetched and
/// revalidated responses) comes through here, so each honours conditionals, ranges and codings alike.
/// </summary>
internal static class CachedResponseWriter
{
    public static Task WriteAsync(HttpContext context, CacheEntry entry, DateTimeOffset now, string cacheStatus, bool allowRanges = true) =>
        WriteAsync(context, entry, AgeSeconds(entry, now).ToString(CultureInfo.InvariantCulture), cacheStatus, allowRanges);

    /// <summary>The <c>Age</c> value in whole seconds (RFC 9111 5.1).</summary>
    public static long AgeSeconds(CacheEntry entry, DateTimeOffset now) => (long)entry.Age(now).TotalSeconds;

    /// <param name="allowRanges">
    /// False when <paramref name="entry"/> is not the stored representation (a stale page with the
    /// banner): a range of it spliced onto bytes of the real one would corrupt a resumed download.
    /// </param>
    public static Task WriteAsync(HttpContext context, CacheEntry entry, string age, string cacheStatus, bool allowRanges = true)
    {
        var request = context.Request;
        var response = context.Response;
        // RFC 9110 13.2.2: If-None-Match / If-Modified-Since (a 304) before If-Range and Range. The
        // Range field is looked at first so a request without one (nearly every hit) does no range work.
        // The form: an encoded one when the entry has them and the reader accepts one; a Range
        // request is answered from the identity body, whose bytes ranges are counted in.
        var form = entry.Encodings.Length == 0 || request.Headers.Range.Count > 0 ? null
            : AcceptEncoding.Choose(request.Headers.AcceptEncoding, entry.Encodings);
        var notModified = CachePolicy.IsNotModified(entry, form is null ? entry.ETag : form.ETag, request.Headers);
        var range = notModified || !allowRanges || request.Headers.Range.Count == 0
            ? RangeDecision.Full
            : RangePolicy.Decide(request.Method, entry, request.Headers);
        response.StatusCode = notModified ? StatusCodes.Status304NotModified
            : range.Outcome switch
            {
                RangeOutcome.Partial => StatusCodes.Status206PartialContent,
                RangeOutcome.NotSatisfiable => StatusCodes.Status416RangeNotSatisfiable,
                _ => entry.StatusCode,
            };
        // A 304 and a 416 carry no representation: the fields that describe it stay out.
        var withoutContent = notModified || range.Outcome == RangeOutcome.NotSatisfiable;
        var headers = response.Headers;
        foreach (var header in entry.Headers)
        {
            // A 304 or 416 describes no representation; a page that is not the stored one (the
            // banner) is not offered in ranges: Accept-Ranges (added at store time) stays out of it.
            // An encoded form has its own validator, and ranges are of the identity form only.
            if ((withoutContent && IsContentHeader(header.Key))
                || ((!allowRanges || form is not null) && header.Key.Equals(HeaderNames.AcceptRanges, StringComparison.OrdinalIgnoreCase))
                || (form is not null && header.Key.Equals(HeaderNames.ETag, StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }
            headers[header.Key] = header.Value;
        }
        if (entry.Encodings.Length > 0)
        {
            // Every form's answer depends on Accept-Encoding (the origin may have said so already).
            if (!VariesOnAcceptEncoding(entry))
            {
                headers.Append(HeaderNames.Vary, HeaderNames.AcceptEncoding);
            }
            if (form is not null)
            {
                if (form.ETag is not null)
                {
                    headers.ETag = form.ETag;
                }
                if (!withoutContent)
                {
                    headers.ContentEncoding = form.Name;
                }
            }
        }
        headers.Age = age;
        headers.Append(CacheStatus.HeaderName, cacheStatus);
        if (notModified || entry.StatusCode is 204 or 304)
        {
            return Task.CompletedTask;
        }
        var body = form is null ? entry.Body : form.Body;
        if (range.Outcome == RangeOutcome.NotSatisfiable)
        {
            headers.ContentRange = string.Create(CultureInfo.InvariantCulture, $"bytes */{body.Length}"); // RFC 9110 15.5.17
            response.ContentLength = 0;
            return Task.CompletedTask;
        }
        if (range.Outcome == RangeOutcome.Partial)
        {
            headers.ContentRange = string.Create(CultureInfo.InvariantCulture, $"bytes {range.Start}-{range.End}/{body.Length}"); // RFC 9110 14.4
            body = body.Slice((int)range.Start, (int)range.Length);
        }
        response.ContentLength = body.Length;
        if (HttpMethods.IsHead(request.Method) || body.Length == 0)
        {
            return Task.CompletedTask;
        }
        var write = response.BodyWriter.WriteAsync(body, context.RequestAborted);
        return write.IsCompletedSuccessfully ? Task.CompletedTask : write.AsTask(); // no Task per hit when the pipe takes it at once
    }

    private static bool VariesOnAcceptEncoding(CacheEntry entry)
    {
        foreach (var name in entry.VaryHeaders)
        {
            if (name.Equals("accept-encoding", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }

    private static bool IsContentHeader(string name) =>
        name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase) && !name.Equals(HeaderNames.ContentLocation, StringComparison.OrdinalIgnoreCase);
}
