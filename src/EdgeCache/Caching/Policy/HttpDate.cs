using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace EdgeCache.Caching.Policy;

/// <summary>
/// HTTP-date (RFC 9110 5.6.7) as a cache reads it: IMF-fixdate and the obsolete RFC 850 and
/// asctime forms (ASP.NET Core's <see cref="HeaderUtilities"/>), and, as RFC 9111 4.2 asks of a
/// cache recipient, in any letter case (<c>gmt</c>, <c>sunday, 22-nov-26</c>), which the
/// case-sensitive grammar alone would refuse.
/// </summary>
internal static class HttpDate
{
    /// <summary>The date in the first line of <paramref name="value"/>; null when absent or invalid.</summary>
    public static DateTimeOffset? Parse(StringValues value)
    {
        var text = value.Count > 0 ? value[0] : null;
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }
        if (HeaderUtilities.TryParseDate(text, out var date) || HeaderUtilities.TryParseDate(CanonicalCase(text), out date))
        {
            return date;
        }
        return null;
    }

    /// <summary>Day and month names capitalised (<c>Sun</c>, <c>Nov</c>), the zone upper-case (<c>GMT</c>).</summary>
    private static string CanonicalCase(string text) => string.Create(text.Length, text, static (span, source) =>
    {
        var wordStart = true;
        for (var i = 0; i < source.Length; i++)
        {
            var c = source[i];
            span[i] = char.IsAsciiLetter(c) ? (wordStart ? char.ToUpperInvariant(c) : char.ToLowerInvariant(c)) : c;
            wordStart = !char.IsAsciiLetter(c);
        }
        if (span.EndsWith("Gmt"))
        {
            "GMT".AsSpan().CopyTo(span[^3..]);
        }
    });
}
