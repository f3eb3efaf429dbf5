using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace EdgeCache.Origin;

/// <summary>
/// A snapshot of the reader's request, enough to fetch the object again later (coalesced
/// waiters, background refresh) after the reader's own context is gone. Always a GET: a HEAD
/// miss fetches the whole object so the next GET is a hit, as Varnish does.
/// </summary>
internal sealed record OriginRequest(
    string Scheme,
    HostString Host,
    PathString PathBase,
    PathString Path,
    QueryString Query,
    string RawTarget,
    KeyValuePair<string, string[]>[] Headers,
    IPAddress? RemoteIpAddress)
{
    // The cache decides freshness itself: the reader's validators and ranges never reach the
    // origin on a cacheable fetch, and its own validators are added for revalidation. The whole
    // object is fetched and stored, and the reader's range is cut from it (RangePolicy), so a 206
    // is never what gets stored.
    private static readonly HashSet<string> Excluded = new(StringComparer.OrdinalIgnoreCase)
    {
        HeaderNames.IfNoneMatch, HeaderNames.IfModifiedSince, HeaderNames.IfMatch,
        HeaderNames.IfUnmodifiedSince, HeaderNames.IfRange, HeaderNames.Range,
        HeaderNames.CacheControl, HeaderNames.Pragma, HeaderNames.Expect,
        HeaderNames.ContentLength, HeaderNames.TransferEncoding,
        Warming.WarmMarker.HeaderName,
    };

    public static OriginRequest From(HttpRequest request)
    {
        var headers = new List<KeyValuePair<string, string[]>>(request.Headers.Count);
        foreach (var header in request.Headers)
        {
            if (!Excluded.Contains(header.Key))
            {
                headers.Add(new(header.Key, header.Value.ToArray()!));
            }
        }
        // The target as keyed (the reader's own bytes, the query as the rule shaped it): the fetch's
        // synthetic request carries it, so the origin receives exactly what is stored under the key.
        var rawTarget = string.Concat(Caching.Keys.RequestTarget.Path(request), request.QueryString.Value);
        return new OriginRequest(request.Scheme, request.Host, request.PathBase, request.Path, request.QueryString, rawTarget,
            [.. headers], request.HttpContext.Connection.RemoteIpAddress);
    }
}
