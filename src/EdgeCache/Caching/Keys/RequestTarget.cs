using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace EdgeCache.Caching.Keys;

/// <summary>
/// The path the cache keys on is the path the origin receives: the reader's own bytes
/// (<c>%2F</c> stays <c>%2F</c>, <c>%zz</c> stays <c>%zz</c>), so two request targets that an origin
/// may tell apart never share an entry, and what is stored is what the origin said for exactly
/// that target. Only where the server normalised the path (dot segments) are the decoded path's
/// escaped form keyed and forwarded instead.
/// </summary>
internal static class RequestTarget
{
    /// <summary>The path as keyed and forwarded, without the query.</summary>
    public static ReadOnlySpan<char> Path(HttpRequest request)
    {
        var raw = request.HttpContext.Features.Get<IHttpRequestFeature>()?.RawTarget;
        var path = PathOf(raw);
        if (!path.IsEmpty && !request.PathBase.HasValue && !HasDotSegment(path))
        {
            return path;
        }
        return request.Path.ToUriComponent();
    }

    /// <summary>The path of an origin-form (<c>/p?q</c>) or absolute-form (<c>http://h/p?q</c>) target; empty for anything else.</summary>
    private static ReadOnlySpan<char> PathOf(ReadOnlySpan<char> target)
    {
        if (target.IsEmpty)
        {
            return default;
        }
        if (target[0] != '/')
        {
            var scheme = target.IndexOf("://", StringComparison.Ordinal);
            if (scheme <= 0)
            {
                return default;
            }
            var afterAuthority = target[(scheme + 3)..];
            var slash = afterAuthority.IndexOfAny('/', '?');
            if (slash < 0 || afterAuthority[slash] != '/')
            {
                return default;
            }
            target = afterAuthority[slash..];
        }
        var query = target.IndexOf('?');
        return query < 0 ? target : target[..query];
    }

    /// <summary>Whether a raw path has a <c>.</c> or <c>..</c> segment, plainly or percent-encoded (RFC 3986 5.2.4).</summary>
    internal static bool HasDotSegment(ReadOnlySpan<char> path)
    {
        if (path.IndexOf('.') < 0 && path.IndexOf("%2", StringComparison.Ordinal) < 0)
        {
            return false;
        }
        foreach (var range in path.Split('/'))
        {
            var segment = path[range];
            var dots = 0;
            var i = 0;
            while (i < segment.Length)
            {
                if (segment[i] == '.')
                {
                    i++;
                }
                else if (i + 2 < segment.Length && segment[i] == '%' && segment[i + 1] == '2' && (segment[i + 2] | 0x20) == 'e')
                {
                    i += 3;
                }
                else
                {
                    break;
                }
                dots++;
            }
            if (i == segment.Length && dots is 1 or 2)
            {
                return true;
            }
        }
        return false;
    }
}
