using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace EdgeCache.Compression;

/// <summary>
/// Whether a response about to be stored gets compressed forms: a whole 200 of a compressible type,
/// at least <see cref="CompressionOptions.MinBytes"/>, that the origin neither encoded nor marked
/// <c>no-transform</c> (RFC 9111 5.2.2.6).
/// </summary>
internal static class CompressionPolicy
{
    /// <summary>Null when the response is compressed, else why not.</summary>
    public static string? SkipReason(int statusCode, IHeaderDictionary headers, int bodyLength, CompressionOptions options)
    {
        if (!options.Enabled)
        {
            return "disabled";
        }
        if (statusCode != StatusCodes.Status200OK || headers.ContainsKey(HeaderNames.ContentRange))
        {
            return "status";
        }
        if (bodyLength < options.MinBytes || bodyLength == 0)
        {
            return "small";
        }
        foreach (var coding in headers.ContentEncoding)
        {
            if (!string.IsNullOrWhiteSpace(coding) && !coding.Trim().Equals("identity", StringComparison.OrdinalIgnoreCase))
            {
                return "encoded";
            }
        }
        foreach (var line in headers.CacheControl)
        {
            if (line is not null && line.Contains("no-transform", StringComparison.OrdinalIgnoreCase))
            {
                return "no-transform";
            }
        }
        return IsCompressibleType(headers.ContentType.ToString(), options.TypeList) ? null : "type";
    }

    /// <summary>The media type (parameters dropped) is listed, or ends with a listed <c>+suffix</c>.</summary>
    public static bool IsCompressibleType(string? contentType, IReadOnlyList<string> types)
    {
        if (string.IsNullOrWhiteSpace(contentType))
        {
            return false;
        }
        var semicolon = contentType.IndexOf(';');
        var mediaType = (semicolon < 0 ? contentType : contentType[..semicolon]).AsSpan().Trim();
        foreach (var type in types)
        {
            if (type.StartsWith('+') ? mediaType.EndsWith(type, StringComparison.OrdinalIgnoreCase)
                : mediaType.Equals(type, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }
}
