using System.Text;
using EdgeCache.Caching.Entries;
using EdgeCache.Templates;
using Microsoft.Net.Http.Headers;

namespace EdgeCache.Degraded;

/// <summary>
/// The optional notice in stale HTML pages ("You are reading a copy saved N minutes ago"),
/// rendered from <c>templates/banner.cshtml</c> (a site's own first) and placed right after the
/// page's <c>&lt;body&gt;</c> tag. Only uncompressed UTF-8 HTML is touched (a page the cache compressed
/// goes out with the banner in its identity form: the stored encoded forms lack it); anything else goes out as
/// stored, and so does the page when there is no banner template (yet) or it fails.
/// </summary>
internal sealed class StaleBanner
{
    private readonly PageRenderer _renderer;

    public StaleBanner(PageRenderer renderer)
    {
        _renderer = renderer;
    }

    public async ValueTask<CacheEntry> ApplyAsync(CacheEntry entry, string? host, TimeSpan age)
    {
        var contentType = entry.GetHeader(HeaderNames.ContentType);
        if (contentType is null
            || !contentType.StartsWith("text/html", StringComparison.OrdinalIgnoreCase)
            || (contentType.Contains("charset", StringComparison.OrdinalIgnoreCase) && !contentType.Contains("utf-8", StringComparison.OrdinalIgnoreCase))
            || entry.GetHeader(HeaderNames.ContentEncoding) is { Length: > 0 } encoding && !encoding.Equals("identity", StringComparison.OrdinalIgnoreCase))
        {
            return entry;
        }
        var banner = await _renderer.RenderFragmentAsync(host, TemplateNames.Banner, new BannerModel
        {
            AgeText = AgeText(age),
            AgeMinutes = (int)age.TotalMinutes,
        });
        if (string.IsNullOrWhiteSpace(banner))
        {
            return entry;
        }
        var body = Inject(entry.Body.Span, Encoding.UTF8.GetBytes(banner));
        return body is null ? entry : entry with { Body = body, Encodings = [], ETag = null, Headers = WithoutValidators(entry.Headers) };
    }

    /// <summary>The body with <paramref name="banner"/> after the opening body tag; null when there is none.</summary>
    internal static byte[]? Inject(ReadOnlySpan<byte> html, ReadOnlySpan<byte> banner)
    {
        var at = IndexOfIgnoreCase(html, "<body"u8);
        if (at < 0)
        {
            return null;
        }
        var close = html[at..].IndexOf((byte)'>');
        if (close < 0)
        {
            return null;
        }
        var insert = at + close + 1;
        var result = new byte[html.Length + banner.Length];
        html[..insert].CopyTo(result);
        banner.CopyTo(result.AsSpan(insert));
        html[insert..].CopyTo(result.AsSpan(insert + banner.Length));
        return result;
    }

    private static int IndexOfIgnoreCase(ReadOnlySpan<byte> haystack, ReadOnlySpan<byte> lowerNeedle)
    {
        for (var i = 0; i + lowerNeedle.Length <= haystack.Length; i++)
        {
            var match = true;
            for (var j = 0; j < lowerNeedle.Length && match; j++)
            {
                var c = haystack[i + j];
                match = (c is >= (byte)'A' and <= (byte)'Z' ? (byte)(c | 0x20) : c) == lowerNeedle[j];
            }
            if (match)
            {
                return i;
            }
        }
        return -1;
    }

    // The changed body is not the representation the validators name.
    private static KeyValuePair<string, string[]>[] WithoutValidators(KeyValuePair<string, string[]>[] headers) =>
        headers.Where(h => !h.Key.Equals(HeaderNames.ETag, StringComparison.OrdinalIgnoreCase)).ToArray();

    private static string AgeText(TimeSpan age) => age.TotalMinutes switch
    {
        < 1 => "less than a minute",
        < 2 => "1 minute",
        < 120 => $"{(int)age.TotalMinutes} minutes",
        < 48 * 60 => $"{(int)age.TotalHours} hours",
        _ => $"{(int)age.TotalDays} days",
    };
}
