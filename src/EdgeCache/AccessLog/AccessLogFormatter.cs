using System.Globalization;
using System.Net;
using System.Text;

namespace EdgeCache.AccessLog;

/// <summary>
/// One request as one line, text or JSON. Everything a client sent (path, host, referer,
/// user agent, even the method) is escaped, so no request can end a line, start another, or
/// close a quoted field early:
/// <list type="bullet">
/// <item>text: nginx's escaping; <c>"</c>, <c>\</c>, control characters and every byte outside
/// printable ASCII (of the value's UTF-8) as <c>\xHH</c>, and a space inside the request line or an
/// unquoted field as <c>\x20</c>, so the fields always split the same way;</item>
/// <item>JSON: <c>\"</c>, <c>\\</c> and <c>\uXXXX</c> for control characters and everything outside
/// ASCII (a lone surrogate becomes U+FFFD), so the line is ASCII and always parses.</item>
/// </list>
/// </summary>
internal static class AccessLogFormatter
{
    /// <summary>
    /// The combined log format (<c>client - - [time] "request" status bytes "referer" "user-agent"</c>),
    /// which log tools read as it is, followed by EdgeCache's fields as <c>name=value</c>.
    /// </summary>
    public static string Text(in AccessLogLine line)
    {
        var text = new StringBuilder(256);
        AppendToken(text, Client(line.Client));
        text.Append(" - - [")
            .Append(line.Time.UtcDateTime.ToString("dd/MMM/yyyy:HH:mm:ss +0000", CultureInfo.InvariantCulture))
            .Append("] \"");
        AppendToken(text, line.Method);
        text.Append(' ');
        AppendToken(text, line.Target);
        text.Append(' ');
        AppendToken(text, line.Protocol);
        text.Append("\" ").Append(line.Status.ToString(CultureInfo.InvariantCulture))
            .Append(' ').Append(line.Bytes.ToString(CultureInfo.InvariantCulture))
            .Append(' ');
        AppendQuoted(text, line.Referer);
        text.Append(' ');
        AppendQuoted(text, line.UserAgent);
        text.Append(" host=");
        AppendQuoted(text, line.Host);
        text.Append(" cache=");
        AppendToken(text, line.Cache);
        text.Append(" detail=");
        AppendToken(text, line.Detail ?? "-");
        text.Append(" origin_status=").Append(line.OriginStatus is { } origin ? origin.ToString(CultureInfo.InvariantCulture) : "-");
        text.Append(" duration_ms=").Append(Milliseconds(line.Duration));
        text.Append(" origin_ms=").Append(line.OriginDuration is { } originDuration ? Milliseconds(originDuration) : "-");
        return text.ToString();
    }

    /// <summary>One JSON object; absent values are <c>null</c>, numbers are numbers.</summary>
    public static string Json(in AccessLogLine line)
    {
        var json = new StringBuilder(320);
        json.Append("{\"time\":\"").Append(line.Time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)).Append('"');
        JsonString(json, "client", line.Client is null ? null : Client(line.Client));
        JsonString(json, "method", line.Method);
        JsonString(json, "host", line.Host);
        JsonString(json, "path", line.Target);
        JsonString(json, "protocol", line.Protocol);
        json.Append(",\"status\":").Append(line.Status.ToString(CultureInfo.InvariantCulture));
        json.Append(",\"bytes\":").Append(line.Bytes.ToString(CultureInfo.InvariantCulture));
        JsonString(json, "referer", line.Referer);
        JsonString(json, "user_agent", line.UserAgent);
        JsonString(json, "cache", line.Cache);
        JsonString(json, "detail", line.Detail);
        json.Append(",\"origin_status\":").Append(line.OriginStatus is { } origin ? origin.ToString(CultureInfo.InvariantCulture) : "null");
        json.Append(",\"duration_ms\":").Append(Milliseconds(line.Duration));
        json.Append(",\"origin_ms\":").Append(line.OriginDuration is { } originDuration ? Milliseconds(originDuration) : "null");
        return json.Append('}').ToString();
    }

    /// <summary>
    /// EdgeCache's outcome from its <c>Cache-Status</c> member (RFC 9211): <c>hit</c>, else the
    /// <c>fwd</c> reason (<c>miss</c>, <c>stale</c>, <c>bypass</c>, ...), else <c>none</c> (the edge
    /// answered without the cache: a refusal, the status page); and its <c>detail</c>, if any.
    /// </summary>
    public static (string Cache, string? Detail) Outcome(IEnumerable<string?> cacheStatus)
    {
        foreach (var member in cacheStatus)
        {
            if (member is null || !member.StartsWith(Caching.CacheStatus.Name, StringComparison.Ordinal))
            {
                continue; // an origin's or an upstream cache's member
            }
            string cache = "none";
            string? detail = null;
            foreach (var part in member.Split(';', StringSplitOptions.TrimEntries))
            {
                if (part == "hit")
                {
                    cache = "hit";
                }
                else if (part.StartsWith("fwd=", StringComparison.Ordinal))
                {
                    cache = part[4..];
                }
                else if (part.StartsWith("detail=", StringComparison.Ordinal))
                {
                    detail = part[7..];
                }
            }
            return (cache, detail);
        }
        return ("none", null);
    }

    private static string Client(IPAddress? address) => address switch
    {
        null => "-",
        { IsIPv4MappedToIPv6: true } => address.MapToIPv4().ToString(),
        _ => address.ToString(),
    };

    private static string Milliseconds(TimeSpan duration) => duration.TotalMilliseconds.ToString("0.000", CultureInfo.InvariantCulture);

    private static void AppendQuoted(StringBuilder text, string? value)
    {
        text.Append('"');
        Escape(text, string.IsNullOrEmpty(value) ? "-" : value, escapeSpace: false);
        text.Append('"');
    }

    private static void AppendToken(StringBuilder text, string value) => Escape(text, value.Length == 0 ? "-" : value, escapeSpace: true);

    private static void Escape(StringBuilder text, string value, bool escapeSpace)
    {
        Span<byte> utf8 = stackalloc byte[4];
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c is > ' ' and < '\x7f' and not '"' and not '\\' || (c == ' ' && !escapeSpace))
            {
                text.Append(c);
                continue;
            }
            if (c < 0x80)
            {
                AppendHex(text, c);
                continue;
            }
            Rune rune;
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                rune = new Rune(c, value[++i]);
            }
            else
            {
                rune = Rune.IsValid(c) ? new Rune(c) : Rune.ReplacementChar;
            }
            var count = rune.EncodeToUtf8(utf8);
            foreach (var b in utf8[..count])
            {
                AppendHex(text, b);
            }
        }
    }

    private static void AppendHex(StringBuilder text, int value) =>
        text.Append("\\x").Append(value.ToString("X2", CultureInfo.InvariantCulture));

    private static void JsonString(StringBuilder json, string name, string? value)
    {
        json.Append(",\"").Append(name).Append("\":");
        if (value is null)
        {
            json.Append("null");
            return;
        }
        json.Append('"');
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c is '"' or '\\')
            {
                json.Append('\\').Append(c);
            }
            else if (c is >= ' ' and < '\x7f')
            {
                json.Append(c);
            }
            else if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                AppendUnicode(json, c);
                AppendUnicode(json, value[++i]);
            }
            else
            {
                AppendUnicode(json, char.IsSurrogate(c) ? '\uFFFD' : c);
            }
        }
        json.Append('"');
    }

    private static void AppendUnicode(StringBuilder json, char c) =>
        json.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
}
