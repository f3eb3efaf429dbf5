using System.Globalization;
using Microsoft.Extensions.Primitives;

namespace EdgeCache.Caching.Keys;

/// <summary>
/// The content-negotiation fields a response may vary on (<c>Accept</c>, <c>Accept-Charset</c>,
/// <c>Accept-Encoding</c>, <c>Accept-Language</c>: RFC 9110 12.5), written in one canonical form
/// for the variant key, so browsers that ask for the same thing in different spellings share one
/// variant: every line is a list member, members are lower-cased (their tokens, media ranges and
/// language ranges are case-insensitive), whitespace around commas and semicolons goes, <c>q</c>
/// is written in its shortest form (left out at 1), and members are ordered by weight, highest
/// first, keeping the sender's order between equal weights. Nothing that changes what the sender
/// prefers, or that an origin may read differently, is normalised away: whitespace inside a member
/// (<c>text/h tml</c>, <c>q = 0</c>) is not optional whitespace, and a member with several
/// <c>q</c> parameters is kept as written (most parsers read the first, so
/// <c>text/html;q=0;q=1</c> must not share the variant of <c>text/html</c>: one reader's request
/// would store an answer every browser then gets).
/// </summary>
internal static class NegotiationFields
{
    /// <summary>Whether <paramref name="lowerCaseName"/> is a field written canonically.</summary>
    public static bool Applies(string lowerCaseName) =>
        lowerCaseName is "accept" or "accept-charset" or "accept-encoding" or "accept-language";

    public static string Canonical(StringValues lines)
    {
        var members = new List<(string Text, int Weight, int Order)>();
        foreach (var line in lines)
        {
            foreach (var raw in (line ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                members.Add(Member(raw, members.Count));
            }
        }
        members.Sort(static (a, b) => a.Weight != b.Weight ? b.Weight.CompareTo(a.Weight) : a.Order.CompareTo(b.Order));
        return string.Join(',', members.Select(m => m.Text));
    }

    /// <summary>One member without whitespace, lower-cased, its weight in thousandths (RFC 9110 12.4.2: at most three decimals).</summary>
    private static (string Text, int Weight, int Order) Member(string raw, int order)
    {
        var parts = raw.Split(';', StringSplitOptions.TrimEntries);
        var kept = new List<string> { Compact(parts[0]) };
        var weight = 1000;
        var weighted = false;
        foreach (var parameter in parts.AsSpan(1))
        {
            var text = Compact(parameter);
            if (text.StartsWith("q=", StringComparison.Ordinal) && TryWeight(text[2..], out var q))
            {
                if (weighted)
                {
                    // Several weights: kept as written (the first one orders it), never the spelling of a clean member.
                    return (string.Join(';', parts.Select(Compact)), weight, order);
                }
                weighted = true;
                weight = q;
                continue;
            }
            if (text.Length > 0)
            {
                kept.Add(text);
            }
        }
        if (weight != 1000)
        {
            kept.Add("q=" + (weight / 1000m).ToString("0.###", CultureInfo.InvariantCulture));
        }
        return (string.Join(';', kept), weight, order);
    }

    /// <summary>Lower-cased, without the whitespace around it (the list's and the parameters' OWS); whitespace inside stays.</summary>
    private static string Compact(string text) => text.Trim().ToLowerInvariant();

    /// <summary>A qvalue (<c>0</c>, <c>0.5</c>, <c>1.000</c>) in thousandths; false when it is not one, and the member keeps it as written.</summary>
    private static bool TryWeight(string value, out int thousandths)
    {
        thousandths = 0;
        if (value.Length is 0 or > 5 || value[0] is not ('0' or '1') || (value.Length > 1 && value[1] != '.') || value.Length == 2)
        {
            return false;
        }
        if (!decimal.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var q) || q > 1)
        {
            return false;
        }
        thousandths = (int)(q * 1000);
        return true;
    }
}
