using System.Globalization;
using EdgeCache.Caching.Entries;
using EdgeCache.Caching.Policy;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace EdgeCache.Caching;

/// <summary>Sends an entry to the reader: stored headers, <c>Age</c>, <c>Cache-Status</c>, body (none for HEAD), or a 304 for a matching conditional request.</summary>
internal static class CachedResponseWriter
{
    public static Task WriteAsync(HttpContext context, CacheEntry entry, DateTimeOffset now, string cacheStatus) =>
        WriteAsync(context, entry, AgeSeconds(entry, now).ToString(CultureInfo.InvariantCulture), cacheStatus);

    /// <summary>The <c>Age</c> value in whole seconds (RFC 9111 5.1).</summary>
    public static long AgeSeconds(CacheEntry entry, DateTimeOffset now) => (long)entry.Age(now).TotalSeconds;

    public static Task WriteAsync(HttpContext context, CacheEntry entry, string age, string cacheStatus)
    {
        var response = context.Response;
        var notModified = CachePolicy.IsNotModified(entry, context.Request.Headers);
        response.StatusCode = notModified ? StatusCodes.Status304NotModified : entry.StatusCode;
        var headers = response.Headers;
        foreach (var header in entry.Headers)
        {
            if (notModified && IsContentHeader(header.Key))
            {
                continue;
            }
            headers[header.Key] = header.Value;
        }
        headers.Age = age;
        headers.Append(CacheStatus.HeaderName, cacheStatus);
        if (notModified || entry.StatusCode is 204 or 304)
        {
            return Task.CompletedTask;
        }
        response.ContentLength = entry.Body.Length;
        if (HttpMethods.IsHead(context.Request.Method) || entry.Body.Length == 0)
        {
            return Task.CompletedTask;
        }
        var write = response.BodyWriter.WriteAsync(entry.Body, context.RequestAborted);
        return write.IsCompletedSuccessfully ? Task.CompletedTask : write.AsTask(); // no Task per hit when the pipe takes it at once
    }

    private static bool IsContentHeader(string name) =>
        name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase) && !name.Equals(HeaderNames.ContentLocation, StringComparison.OrdinalIgnoreCase);
}
