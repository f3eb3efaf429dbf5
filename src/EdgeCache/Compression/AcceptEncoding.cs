using System.Globalization;
using EdgeCache.Caching.Entries;
using Microsoft.Extensions.Primitives;

namespace EdgeCache.Compression;

/// <summary>
/// Picks the stored form a reader gets from its <c>Accept-Encoding</c> (RFC 9110 12.5.3), without
/// allocating: the highest q among the stored forms, ties going br, then gzip, then identity. No
/// field means identity. Identity is acceptable unless <c>identity;q=0</c>, or <c>*;q=0</c> without
/// an identity entry, excludes it; when nothing is acceptable the reader still gets identity
/// (RFC 9110 12.5.3 allows ignoring the field rather than sending a 406).
/// </summary>
internal static class AcceptEncoding
{
    /// <summary>The form to send, or null for the identity body.</summary>
    public static EncodedForm? Choose(StringValues acceptEncoding, EncodedForm[] forms)
    {
        if (forms.Length == 0 || acceptEncoding.Count == 0)
        {
            return null;
        }
        double br = -1, gzip = -1, star = -1, identity = -1;
        for (var i = 0; i < acceptEncoding.Count; i++)
        {
            var rest = (acceptEncoding[i] ?? "").AsSpan();
            while (!rest.IsEmpty)
            {
                var comma = rest.IndexOf(',');
                var item = (comma < 0 ? rest : rest[..comma]).Trim();
                rest = comma < 0 ? default : rest[(comma + 1)..];
                if (item.IsEmpty)
                {
                    continue;
                }
                var semicolon = item.IndexOf(';');
                var coding = (semicolon < 0 ? item : item[..semicolon]).Trim();
                var q = semicolon < 0 ? 1 : Quality(item[(semicolon + 1)..]);
                if (coding.Equals("br", StringComparison.OrdinalIgnoreCase))
                {
                    br = Math.Max(br, q);
                }
                else if (coding.Equals("gzip", StringComparison.OrdinalIgnoreCase) || coding.Equals("x-gzip", StringComparison.OrdinalIgnoreCase))
                {
                    gzip = Math.Max(gzip, q);
                }
                else if (coding.Equals("identity", StringComparison.OrdinalIgnoreCase))
                {
                    identity = Math.Max(identity, q);
                }
                else if (coding.SequenceEqual("*"))
                {
                    star = Math.Max(star, q);
                }
            }
        }
        // Unlisted identity is acceptable but least preferred: any acceptable coding beats it.
        var best = identity >= 0 ? identity : star == 0 ? 0 : double.Epsilon;
        EncodedForm? chosen = null;
        foreach (var form in forms)
        {
            var listed = form.Coding == ContentCoding.Brotli ? br : gzip;
            var q = listed >= 0 ? listed : Math.Max(star, 0);
            // Forms are stored best first, so only a strictly higher q displaces an earlier choice;
            // against identity a tie goes to the coding.
            if (q > 0 && (chosen is null ? q >= best : q > best))
            {
                best = q;
                chosen = form;
            }
        }
        return chosen;
    }

    /// <summary>The <c>q</c> parameter among <paramref name="parameters"/>; 1 when absent, 0 when malformed.</summary>
    private static double Quality(ReadOnlySpan<char> parameters)
    {
        while (!parameters.IsEmpty)
        {
            var semicolon = parameters.IndexOf(';');
            var parameter = (semicolon < 0 ? parameters : parameters[..semicolon]).Trim();
            parameters = semicolon < 0 ? default : parameters[(semicolon + 1)..];
            if (parameter.Length >= 2 && (parameter[0] is 'q' or 'Q') && parameter[1..].TrimStart().StartsWith("="))
            {
                var value = parameter[(parameter.IndexOf('=') + 1)..].Trim();
                return double.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var q) && q is >= 0 and <= 1 ? q : 0;
            }
        }
        return 1;
    }
}
