using Microsoft.Extensions.Primitives;

namespace EdgeCache.Caching.Policy;

/// <summary>
/// The directives of one or more <c>Cache-Control</c> header lines (RFC 9111 5.2).
/// Malformed input never throws: an unparsable delta-seconds is recorded as invalid, which the
/// freshness rules treat as "stale" (RFC 9111 4.2.1), and unknown directives are ignored.
/// When a directive appears twice, the first occurrence wins.
/// </summary>
internal readonly record struct CacheControl
{
    public bool NoStore { get; init; }
    public bool NoCache { get; init; }
    public bool Private { get; init; }
    public bool Public { get; init; }
    public bool MustRevalidate { get; init; }
    public bool ProxyRevalidate { get; init; }
    public bool OnlyIfCached { get; init; }

    /// <summary>
    /// must-understand (RFC 9111 5.2.2.3): store only if the status code's caching rules are
    /// understood, and then despite no-store.
    /// </summary>
    public bool MustUnderstand { get; init; }

    /// <summary>
    /// Read from a targeted field (RFC 9213), not from <c>Cache-Control</c>: <c>Expires</c> then
    /// does not count either.
    /// </summary>
    public bool Targeted { get; init; }

    /// <summary>max-age; <see cref="Invalid"/> when present but unparsable.</summary>
    public DeltaSeconds MaxAge { get; init; }
    public DeltaSeconds SharedMaxAge { get; init; }
    public DeltaSeconds StaleWhileRevalidate { get; init; }
    public DeltaSeconds StaleIfError { get; init; }

    public static CacheControl Parse(StringValues values)
    {
        var result = new CacheControl();
        foreach (var line in values)
        {
            if (string.IsNullOrEmpty(line))
            {
                continue;
            }
            foreach (var part in SplitDirectives(line))
            {
                var eq = part.IndexOf('=');
                var name = (eq < 0 ? part : part[..eq]).Trim();
                var value = eq < 0 ? null : part[(eq + 1)..].Trim().Trim('"');
                result = Apply(result, name.ToString().ToLowerInvariant(), value?.ToString(), eq >= 0);
            }
        }
        return result;
    }

    private static CacheControl Apply(CacheControl cc, string name, string? value, bool hasValue) => name switch
    {
        "no-store" => cc with { NoStore = true },
        // A qualified no-cache or private ("no-cache=Set-Cookie") is treated as unqualified:
        // RFC 9111 5.2.2.4 and 5.2.2.7 allow that, and it never serves more than allowed.
        "no-cache" => cc with { NoCache = true },
        "private" => cc with { Private = true },
        "public" => cc with { Public = true },
        "must-revalidate" => cc with { MustRevalidate = true },
        "proxy-revalidate" => cc with { ProxyRevalidate = true },
        "only-if-cached" => cc with { OnlyIfCached = true },
        "must-understand" => cc with { MustUnderstand = true },
        "max-age" when !cc.MaxAge.Present => cc with { MaxAge = DeltaSeconds.Parse(value, hasValue) },
        "s-maxage" when !cc.SharedMaxAge.Present => cc with { SharedMaxAge = DeltaSeconds.Parse(value, hasValue) },
        "stale-while-revalidate" when !cc.StaleWhileRevalidate.Present => cc with { StaleWhileRevalidate = DeltaSeconds.Parse(value, hasValue) },
        "stale-if-error" when !cc.StaleIfError.Present => cc with { StaleIfError = DeltaSeconds.Parse(value, hasValue) },
        _ => cc,
    };

    // Splits on commas outside quoted strings.
    private static IEnumerable<string> SplitDirectives(string line)
    {
        var start = 0;
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (c == '"')
            {
                quoted = !quoted;
            }
            else if (c == ',' && !quoted)
            {
                if (i > start)
                {
                    yield return line[start..i];
                }
                start = i + 1;
            }
        }
        if (start < line.Length)
        {
            yield return line[start..];
        }
    }
}

/// <summary>A delta-seconds directive value: absent, valid, or present but invalid.</summary>
internal readonly record struct DeltaSeconds(bool Present, bool Valid, TimeSpan Value)
{
    public static readonly DeltaSeconds Absent = default;

    /// <summary>A valid value, or null when absent or invalid.</summary>
    public TimeSpan? ValidValue => Present && Valid ? Value : null;

    public static DeltaSeconds Parse(string? value, bool hasValue)
    {
        if (!hasValue || string.IsNullOrEmpty(value))
        {
            return new DeltaSeconds(true, false, TimeSpan.Zero);
        }
        foreach (var c in value)
        {
            if (c is < '0' or > '9')
            {
                return new DeltaSeconds(true, false, TimeSpan.Zero);
            }
        }
        // RFC 9111 1.2.2: a value too large to represent is taken as 2^31 seconds.
        var seconds = long.TryParse(value, out var s) ? Math.Min(s, int.MaxValue) : int.MaxValue;
        return new DeltaSeconds(true, true, TimeSpan.FromSeconds(seconds));
    }
}
