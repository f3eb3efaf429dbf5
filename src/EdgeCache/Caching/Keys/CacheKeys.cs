using System.Text;
using EdgeCache.Rules;
using Microsoft.AspNetCore.Http;

namespace EdgeCache.Caching.Keys;

/// <summary>
/// Builds cache keys: <c>GET scheme://host/path?query</c> with the host lower-cased and its
/// default port dropped, the query shaped by the rule (ignored and sorted parameters), the rule's
/// key headers and cookies, and for a variant, the request headers named by the stored <c>Vary</c>.
/// HEAD shares the GET key, so HEAD is served from a stored GET.
/// </summary>
internal static class CacheKeys
{
    public static string Primary(HttpRequest request, CacheRule rule)
    {
        var sb = new StringBuilder(128);
        sb.Append("GET ").Append(request.Scheme).Append("://");
        AppendHost(sb, request.Scheme, request.Host);
        sb.Append(request.Path.ToUriComponent());
        AppendQuery(sb, request.QueryString.Value, rule);
        foreach (var header in rule.KeyHeaders)
        {
            sb.Append("\nh:").Append(header).Append('=').Append(request.Headers[header].ToString());
        }
        foreach (var cookie in rule.KeyCookies)
        {
            sb.Append("\nc:").Append(cookie).Append('=').Append(request.Cookies[cookie]);
        }
        return sb.ToString();
    }

    /// <summary>The key of the variant selected by <paramref name="varyHeaders"/> (lower-case names, sorted).</summary>
    public static string Variant(string primaryKey, string[] varyHeaders, IHeaderDictionary requestHeaders)
    {
        var sb = new StringBuilder(primaryKey, primaryKey.Length + 64);
        foreach (var name in varyHeaders)
        {
            sb.Append("\nv:").Append(name).Append('=');
            var first = true;
            foreach (var value in requestHeaders[name])
            {
                if (!first)
                {
                    sb.Append(',');
                }
                first = false;
                sb.Append(NormalizeWhitespace(value));
            }
        }
        return sb.ToString();
    }

    /// <summary>The lower-cased, sorted, de-duplicated field names of <c>Vary</c> header lines.</summary>
    public static string[] ParseVary(IEnumerable<string?> varyLines)
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var line in varyLines)
        {
            if (line is null)
            {
                continue;
            }
            foreach (var name in line.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                names.Add(name.ToLowerInvariant());
            }
        }
        return [.. names];
    }

    private static void AppendHost(StringBuilder sb, string scheme, HostString host)
    {
        if (!host.HasValue)
        {
            return;
        }
        sb.Append(host.Host.ToLowerInvariant());
        var port = host.Port;
        var isDefault = port is null
            || (port == 80 && scheme.Equals("http", StringComparison.OrdinalIgnoreCase))
            || (port == 443 && scheme.Equals("https", StringComparison.OrdinalIgnoreCase));
        if (!isDefault)
        {
            sb.Append(':').Append(port);
        }
    }

    private static void AppendQuery(StringBuilder sb, string? query, CacheRule rule)
    {
        if (string.IsNullOrEmpty(query) || query == "?")
        {
            return;
        }
        if (!rule.HasIgnoredQueryParameters && !rule.SortQueryParameters)
        {
            sb.Append(query);
            return;
        }
        var pairs = new List<string>();
        foreach (var pair in query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=');
            var name = Uri.UnescapeDataString(eq < 0 ? pair : pair[..eq]);
            if (!rule.IgnoresQueryParameter(name))
            {
                pairs.Add(pair);
            }
        }
        if (rule.SortQueryParameters)
        {
            pairs.Sort(StringComparer.Ordinal);
        }
        if (pairs.Count > 0)
        {
            sb.Append('?').AppendJoin('&', pairs);
        }
    }

    private static string NormalizeWhitespace(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return string.Empty;
        }
        return string.Join(' ', value.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
    }
}
