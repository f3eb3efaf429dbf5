using Microsoft.AspNetCore.Http;

namespace EdgeCache.Caching.Policy;

/// <summary>
/// RFC 9213 targeted cache control: the first field of the target list (<c>Cache:TargetedFields</c>,
/// most specific first) that is present, non-empty and a valid Structured Field Dictionary decides
/// EdgeCache's own storage and freshness; <c>Cache-Control</c> and <c>Expires</c> then do not count
/// at all (they still reach readers, who are other caches' business). A field that is not a valid
/// Dictionary is ignored as a whole, as if absent (RFC 9213 2.1).
/// </summary>
internal static class TargetedCacheControl
{
    /// <summary>The field targeted at CDNs in general (RFC 9213 3): caches downstream may read it too, so it is forwarded.</summary>
    public const string CdnCacheControl = "CDN-Cache-Control";

    /// <summary>
    /// The field targeted at EdgeCache alone: consumed here, never sent to readers (like Fastly's
    /// Surrogate-Control; <see cref="CacheEntryFactory.WithheldFromReaders"/>). Any other field on
    /// the target list is forwarded: other caches downstream may be targeted by it too.
    /// </summary>
    public const string EdgeCacheCacheControl = "EdgeCache-Cache-Control";

    private static readonly CacheControl NothingKnown = new() { Targeted = true };

    /// <summary>The default target list.</summary>
    public static readonly string[] DefaultFields = [EdgeCacheCacheControl, CdnCacheControl];

    /// <summary>The directives of the first applicable targeted field, or null when none applies (Cache-Control then decides).</summary>
    public static CacheControl? Select(IHeaderDictionary headers, IReadOnlyList<string> targetList)
    {
        foreach (var name in targetList)
        {
            if (!headers.TryGetValue(name, out var lines))
            {
                continue;
            }
            // RFC 8941 4.2: the field's lines combined, comma-separated.
            var field = string.Join(", ", lines.Where(line => !string.IsNullOrWhiteSpace(line)));
            if (field.Length == 0)
            {
                continue; // empty: as if absent
            }
            if (StructuredFieldParser.ParseDictionary(field) is { Count: > 0 } members
                && FromDictionary(members) is var directives && directives != NothingKnown)
            {
                return directives;
            }
            // Valid, but not one directive EdgeCache knows with a value of its type (a misspelt
            // "maxage=60"): taken as absent, so a typo never switches Cache-Control's private or
            // no-store off (a deviation: RFC 9213 would apply it and ignore Cache-Control).
        }
        return null;
    }

    /// <summary>
    /// RFC 9213 2.1: directives mapped to their Structured types; a directive whose value has the
    /// wrong type is ignored. Delta-seconds are non-negative Integers; flags are Boolean true;
    /// <c>no-cache</c> and <c>private</c> may name fields (String, Token or Inner List) and count
    /// as unqualified then, as in <see cref="CacheControl"/>; <c>private</c> counts with any value,
    /// never serving more than allowed. Unknown directives are ignored.
    /// </summary>
    public static CacheControl FromDictionary(IEnumerable<KeyValuePair<string, StructuredItem>> members)
    {
        var cc = new CacheControl { Targeted = true };
        foreach (var (name, value) in members)
        {
            cc = name switch
            {
                "no-store" when value.IsTrue => cc with { NoStore = true },
                "no-cache" when value.IsTrue || value.Type is StructuredType.String or StructuredType.Token or StructuredType.InnerList => cc with { NoCache = true },
                "private" => cc with { Private = true },
                "public" when value.IsTrue => cc with { Public = true },
                "must-revalidate" when value.IsTrue => cc with { MustRevalidate = true },
                "proxy-revalidate" when value.IsTrue => cc with { ProxyRevalidate = true },
                "must-understand" when value.IsTrue => cc with { MustUnderstand = true },
                "max-age" when Seconds(value) is { } s => cc with { MaxAge = s },
                "s-maxage" when Seconds(value) is { } s => cc with { SharedMaxAge = s },
                "stale-while-revalidate" when Seconds(value) is { } s => cc with { StaleWhileRevalidate = s },
                "stale-if-error" when Seconds(value) is { } s => cc with { StaleIfError = s },
                _ => cc,
            };
        }
        return cc;
    }

    private static DeltaSeconds? Seconds(StructuredItem value) =>
        value is { Type: StructuredType.Integer, Value: long seconds } && seconds >= 0
            ? new DeltaSeconds(true, true, TimeSpan.FromSeconds(Math.Min(seconds, int.MaxValue)))
            : null;
}
