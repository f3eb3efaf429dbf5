using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace EdgeCache.Caching.Policy;

/// <summary>
/// RFC 9111 4.4: what a response to an unsafe request invalidates. A request whose method is not
/// known to be safe (RFC 9110 9.2.1) and got a non-error answer (2xx, 3xx) invalidates the stored
/// responses for its target URI, and for the URIs in <c>Location</c> and <c>Content-Location</c>
/// when they are on the same origin (another origin's pages are never touched: a client must not
/// be able to invalidate a site by posting to another one). A failed one (4xx, 5xx) changed
/// nothing, so invalidates nothing.
/// </summary>
internal static class Invalidation
{
    /// <summary>RFC 9110 9.2.1's safe methods; every other method, known or not, may change the resource.</summary>
    public static bool IsSafe(string method) =>
        HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method) || HttpMethods.IsTrace(method);

    /// <summary>Whether a response with <paramref name="statusCode"/> to <paramref name="method"/> invalidates stored responses.</summary>
    public static bool Invalidates(string method, int statusCode) => statusCode is >= 200 and < 400 && !IsSafe(method);

    /// <summary>
    /// The other URIs to invalidate: <c>Location</c> and <c>Content-Location</c>, resolved against
    /// <paramref name="target"/>, when on its origin (scheme, host and port) and not the target itself.
    /// </summary>
    public static IEnumerable<Uri> RelatedUris(Uri target, IHeaderDictionary responseHeaders)
    {
        var seen = new HashSet<Uri> { target };
        foreach (var name in (string[])[HeaderNames.Location, HeaderNames.ContentLocation])
        {
            var values = responseHeaders[name];
            var value = values.Count > 0 ? values[0] : null; // a singleton field: the first line counts
            if (string.IsNullOrEmpty(value) || !Uri.TryCreate(target, value, out var uri) || !uri.IsAbsoluteUri)
            {
                continue;
            }
            if (Uri.Compare(uri, target, UriComponents.SchemeAndServer, UriFormat.UriEscaped, StringComparison.OrdinalIgnoreCase) == 0
                && seen.Add(uri))
            {
                yield return uri;
            }
        }
    }
}
