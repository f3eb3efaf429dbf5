using EdgeCache.Rules;
using Microsoft.AspNetCore.Http;

namespace EdgeCache.Caching.Keys;

/// <summary>
/// Builds cache keys: <c>GET scheme://host/path?query</c> with the host lower-cased and its
/// default port dropped, the query shaped by the rule (ignored and sorted parameters), the rule's
/// key headers and cookies, and for a variant, the request headers named by the stored <c>Vary</c>
/// (whitespace collapsed; content-negotiation fields in their canonical form, <see cref="NegotiationFields"/>).
/// HEAD shares the GET key, so HEAD is served from a stored GET.
/// </summary>
internal static class CacheKeys
{
    public static string Primary(HttpRequest request, CacheRule rule)
    {
        var key = new KeyBuilder(stackalloc char[256]);
        try
        {
            WritePrimary(ref key, request, rule);
            return key.ToString();
        }
        finally
        {
            key.Dispose();
        }
    }

    /// <summary>Writes the primary key into <paramref name="key"/>: the hit fast path looks it up without making a string.</summary>
    public static void WritePrimary(ref KeyBuilder key, HttpRequest request, CacheRule rule)
    {
        key.Append("GET ");
        key.Append(request.Scheme);
        key.Append("://");
        AppendHost(ref key, request.Scheme, request.Host);
        key.Append(RequestTarget.Path(request));
        AppendQuery(ref key, request.QueryString.Value, rule);
        foreach (var header in rule.KeyHeaders)
        {
            key.Append("\nh:");
            key.Append(header);
            key.Append('=');
            key.Append(request.Headers[header].ToString());
        }
        foreach (var cookie in rule.KeyCookies)
        {
            key.Append("\nc:");
            key.Append(cookie);
            key.Append('=');
            key.Append(request.Cookies[cookie]);
        }
    }

    /// <summary>The key of the variant selected by <paramref name="varyHeaders"/> (lower-case names, sorted).</summary>
    public static string Variant(string primaryKey, string[] varyHeaders, IHeaderDictionary requestHeaders)
    {
        var key = new KeyBuilder(stackalloc char[256]);
        try
        {
            WriteVariant(ref key, primaryKey, varyHeaders, requestHeaders);
            return key.ToString();
        }
        finally
        {
            key.Dispose();
        }
    }

    public static void WriteVariant(ref KeyBuilder key, string primaryKey, string[] varyHeaders, IHeaderDictionary requestHeaders)
    {
        key.Append(primaryKey);
        foreach (var name in varyHeaders)
        {
            key.Append("\nv:");
            key.Append(name);
            if (!requestHeaders.ContainsKey(name))
            {
                // RFC 9111 4.1: an absent field matches only an absent one. An empty one is not the
                // same request (an empty Accept-Encoding asks for identity only, RFC 9110 12.5.3;
                // none accepts any coding), so only a field that is present gets the "=".
                continue;
            }
            key.Append('=');
            if (NegotiationFields.Applies(name))
            {
                key.Append(NegotiationFields.Canonical(requestHeaders[name]));
                continue;
            }
            var first = true;
            foreach (var value in requestHeaders[name])
            {
                if (!first)
                {
                    key.Append(',');
                }
                first = false;
                AppendNormalizedWhitespace(ref key, value);
            }
        }
    }

    /// <summary>
    /// The part of a key a URL purge names: the key up to its first <c>\n</c>, without the rule's key
    /// headers and cookies or the Vary parts, so it covers every key that extends it.
    /// </summary>
    public static string UrlKey(string key)
    {
        var cut = key.IndexOf('\n');
        return cut < 0 ? key : key[..cut];
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

    private static void AppendHost(ref KeyBuilder key, string scheme, HostString host)
    {
        if (!host.HasValue)
        {
            return;
        }
        // HostString.Host would make a new string per request; the name is read in place instead.
        var value = host.Value.AsSpan();
        var colon = value.LastIndexOf(':');
        var name = colon > value.LastIndexOf(']') ? value[..colon] : value;
        key.AppendLowerInvariant(name);
        var port = host.Port;
        var isDefault = port is null
            || (port == 80 && scheme.Equals("http", StringComparison.OrdinalIgnoreCase))
            || (port == 443 && scheme.Equals("https", StringComparison.OrdinalIgnoreCase));
        if (!isDefault)
        {
            key.Append(':');
            key.Append(port!.Value);
        }
    }

    private static void AppendQuery(ref KeyBuilder key, string? query, CacheRule rule)
    {
        if (string.IsNullOrEmpty(query) || query == "?")
        {
            return;
        }
        key.Append(ShapeQuery(query, rule));
    }

    /// <summary>
    /// The query as the rule keys it: ignored parameters left out, the rest sorted when asked,
    /// otherwise byte for byte. The same query is sent to the origin (see <c>RequestGuardMiddleware</c>),
    /// so a parameter left out of the key can never change what is stored under it.
    /// </summary>
    public static string ShapeQuery(string query, CacheRule rule)
    {
        if (query.Length == 0 || (!rule.HasIgnoredQueryParameters && !rule.SortQueryParameters))
        {
            return query;
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
        return pairs.Count == 0 ? "" : "?" + string.Join('&', pairs);
    }

    /// <summary>The value with runs of whitespace collapsed to one space and none at either end.</summary>
    private static void AppendNormalizedWhitespace(ref KeyBuilder key, string? value)
    {
        var pendingSpace = false;
        var any = false;
        foreach (var c in value.AsSpan())
        {
            if (char.IsWhiteSpace(c))
            {
                pendingSpace = any;
                continue;
            }
            if (pendingSpace)
            {
                key.Append(' ');
                pendingSpace = false;
            }
            key.Append(c);
            any = true;
        }
    }
}
