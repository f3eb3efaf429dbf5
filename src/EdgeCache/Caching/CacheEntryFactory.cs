using EdgeCache.Caching.Entries;
using EdgeCache.Caching.Keys;
using EdgeCache.Caching.Policy;
using EdgeCache.Rules;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace EdgeCache.Caching;

/// <summary>Turns an origin response and a storage decision into a <see cref="CacheEntry"/>.</summary>
internal static class CacheEntryFactory
{
    private static readonly HashSet<string> NeverStored = new(StringComparer.OrdinalIgnoreCase)
    {
        HeaderNames.Connection, HeaderNames.KeepAlive, "Proxy-Connection", HeaderNames.TransferEncoding,
        HeaderNames.TE, HeaderNames.Trailer, HeaderNames.Upgrade, HeaderNames.ProxyAuthenticate,
        HeaderNames.ContentLength, HeaderNames.Age,
    };

    /// <summary>The origin's tag fields: consumed as tags, sent on to readers only when <c>Cache:ForwardTagHeaders</c> says so.</summary>
    public static readonly string[] TagHeaders = ["Surrogate-Key", "Cache-Tag"];

    /// <summary>
    /// The origin's fields addressed to EdgeCache alone, never sent to readers whatever the
    /// options: <c>EdgeCache-Cache-Control</c> (RFC 9213, like Fastly's <c>Surrogate-Control</c>).
    /// <c>CDN-Cache-Control</c> is not among them: it targets every CDN on the way, downstream ones too.
    /// </summary>
    private static readonly string[] OwnFields = [TargetedCacheControl.EdgeCacheCacheControl];

    private static readonly string[] OwnAndTagFields = [.. OwnFields, .. TagHeaders];

    /// <summary>
    /// The one filter of what readers get of the origin's fields, wherever an answer leaves
    /// (stored entries, uncached answers, forwarded and passed-through responses): EdgeCache's own
    /// fields, and the tag fields unless <paramref name="keepTagHeaders"/>.
    /// </summary>
    public static string[] WithheldFromReaders(bool keepTagHeaders) => keepTagHeaders ? OwnFields : OwnAndTagFields;

    /// <summary>Whether <paramref name="name"/> is withheld from readers (<see cref="WithheldFromReaders"/>).</summary>
    public static bool IsWithheldFromReaders(string name, bool keepTagHeaders)
    {
        foreach (var withheld in WithheldFromReaders(keepTagHeaders))
        {
            if (name.Equals(withheld, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// An entry to store: no hop-by-hop fields, never a cookie, nothing withheld from readers. (So
    /// a stored copy no longer holds <c>EdgeCache-Cache-Control</c>: a 304 that does not repeat it
    /// is judged by its own fields.)
    /// </summary>
    public static CacheEntry Create(string key, int statusCode, IHeaderDictionary headers, ReadOnlyMemory<byte> body,
        StorageDecision decision, CacheRule rule, DateTimeOffset responseTime, bool keepTagHeaders, string owner = "") => new()
    {
        Key = key,
        Owner = owner,
        StatusCode = statusCode,
        Headers = CopyHeaders(statusCode, headers, keepCookies: false, keepTagHeaders),
        Body = body,
        ResponseTime = responseTime,
        InitialAge = decision.InitialAge,
        FreshnessLifetime = decision.FreshnessLifetime,
        StaleWhileRevalidate = decision.StaleWhileRevalidate,
        StaleIfError = decision.StaleIfError,
        Flags = decision.Flags,
        ETag = NullIfEmpty(headers.ETag),
        LastModified = NullIfEmpty(headers.LastModified),
        Tags = Tags(headers, rule),
        VaryHeaders = CacheKeys.ParseVary(headers.Vary),
    };

    /// <summary>A response that is only passed on to the reader who fetched it, cookies included.</summary>
    public static CacheEntry Transient(string key, int statusCode, IHeaderDictionary headers, ReadOnlyMemory<byte> body,
        DateTimeOffset responseTime, bool keepTagHeaders) => new()
    {
        Key = key,
        StatusCode = statusCode,
        Headers = CopyHeaders(statusCode, headers, keepCookies: true, keepTagHeaders),
        Body = body,
        ResponseTime = responseTime,
    };

    public static CacheEntry VaryMarker(string primaryKey, string[] varyHeaders, DateTimeOffset now, string owner = "") => new()
    {
        Key = primaryKey,
        Owner = owner,
        Kind = CacheEntryKind.VaryMarker,
        VaryHeaders = varyHeaders,
        ResponseTime = now,
    };

    /// <summary>The most tags a stored entry carries; a response with more is passed through uncached (every tier reads back what it stores).</summary>
    public const int MaxTags = 1_000;

    /// <summary>Whether the entry would carry more than <see cref="MaxTags"/> tags; the set is only built when the origin sent tag fields.</summary>
    public static bool HasTooManyTags(IHeaderDictionary headers, CacheRule rule) =>
        (rule.Tags.Length > MaxTags || headers.ContainsKey(TagHeaders[0]) || headers.ContainsKey(TagHeaders[1]))
            && Tags(headers, rule).Length > MaxTags;

    /// <summary>Rule tags plus the origin's <c>Surrogate-Key</c> (space-separated) and <c>Cache-Tag</c> (comma-separated).</summary>
    public static string[] Tags(IHeaderDictionary headers, CacheRule rule)
    {
        var tags = new SortedSet<string>(rule.Tags, StringComparer.Ordinal);
        foreach (var line in headers[TagHeaders[0]])
        {
            foreach (var tag in (line ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                tags.Add(tag);
            }
        }
        foreach (var line in headers[TagHeaders[1]])
        {
            foreach (var tag in (line ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                tags.Add(tag);
            }
        }
        return [.. tags];
    }

    /// <summary>
    /// The first field whose value Kestrel cannot send (a control char other than HTAB, DEL, or a
    /// char past Latin-1: HttpClient hands every byte over as one Latin-1 char, and RFC 9110 5.5
    /// makes control chars invalid), else null. Such a response is refused at store time: stored, it
    /// would be a 500 for every reader.
    /// </summary>
    public static string? UnsendableHeader(IHeaderDictionary headers)
    {
        foreach (var header in headers)
        {
            foreach (var value in header.Value)
            {
                if (value is not null && value.AsSpan().IndexOfAnyExcept(SendableChars) >= 0)
                {
                    return header.Key;
                }
            }
        }
        return null;
    }

    private static readonly System.Buffers.SearchValues<char> SendableChars = System.Buffers.SearchValues.Create(
        [(char)0x09, .. Enumerable.Range(0x20, 0x7F - 0x20).Select(c => (char)c), .. Enumerable.Range(0x80, 0x80).Select(c => (char)c)]);

    /// <summary>
    /// The fields a reader gets, and for a 200 without the origin's own <c>Accept-Ranges</c>, the
    /// cache's <c>Accept-Ranges: bytes</c> (RFC 9110 14.3: ranges of it are served,
    /// <see cref="Policy.RangePolicy"/>), added once here rather than on every hit.
    /// </summary>
    private static KeyValuePair<string, string[]>[] CopyHeaders(int statusCode, IHeaderDictionary headers, bool keepCookies, bool keepTagHeaders)
    {
        var copy = new List<KeyValuePair<string, string[]>>(headers.Count);
        foreach (var header in headers)
        {
            if (NeverStored.Contains(header.Key)
                || (!keepCookies && header.Key.Equals(HeaderNames.SetCookie, StringComparison.OrdinalIgnoreCase))
                || IsWithheldFromReaders(header.Key, keepTagHeaders))
            {
                continue;
            }
            copy.Add(new(header.Key, header.Value.ToArray()!));
        }
        if (statusCode == StatusCodes.Status200OK && !headers.ContainsKey(HeaderNames.AcceptRanges))
        {
            copy.Add(new(HeaderNames.AcceptRanges, BytesUnit));
        }
        return [.. copy];
    }

    private static readonly string[] BytesUnit = ["bytes"];

    private static string? NullIfEmpty(Microsoft.Extensions.Primitives.StringValues value) =>
        value.Count == 0 || string.IsNullOrEmpty(value[0]) ? null : value[0];
}
