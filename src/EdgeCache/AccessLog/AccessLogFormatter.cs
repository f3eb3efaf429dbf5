using System.Buffers;
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
        var text = Rent();
        AppendToken(text, Client(line.Client));
        text.Append(" - - [").Append(TextTime(line.Time)).Append("] \"");
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
        return Return(text);
    }

    /// <summary>One JSON object; absent values are <c>null</c>, numbers are numbers.</summary>
    public static string Json(in AccessLogLine line)
    {
        var json = Rent();
        var milliseconds = (int)(line.Time.UtcTicks / TimeSpan.TicksPerMillisecond % 1000);
        json.Append("{\"time\":\"").Append(JsonTime(line.Time)).Append('.')
            .Append((char)('0' + milliseconds / 100)).Append((char)('0' + milliseconds / 10 % 10)).Append((char)('0' + milliseconds % 10)).Append("Z\"");
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
        json.Append('}');
        return Return(json);
    }

    // Step by step, a line allocates only its own string: one builder per thread, and the time
    // spelt once per second (as nginx does), not once per line.
    [ThreadStatic]
    private static StringBuilder? _builder;
    private static SecondSpelling? _textTime;
    private static SecondSpelling? _jsonTime;

    private sealed record SecondSpelling(long Second, string Text);

    private static StringBuilder Rent()
    {
        var builder = _builder ?? new StringBuilder(512);
        _builder = null;
        return builder;
    }

    private static string Return(StringBuilder builder)
    {
        var text = builder.ToString();
        if (builder.Capacity <= 4096)
        {
            builder.Clear();
            _builder = builder;
        }
        return text;
    }

    private static string TextTime(DateTimeOffset time) =>
        Spell(ref _textTime, time, static t => t.ToString("dd/MMM/yyyy:HH:mm:ss '+0000'", CultureInfo.InvariantCulture));

    private static string JsonTime(DateTimeOffset time) =>
        Spell(ref _jsonTime, time, static t => t.ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss", CultureInfo.InvariantCulture));

    private static string Spell(ref SecondSpelling? cache, DateTimeOffset time, Func<DateTime, string> spell)
    {
        var second = time.UtcTicks / TimeSpan.TicksPerSecond;
        if (cache is { } cached && cached.Second == second)
        {
            return cached.Text;
        }
        var text = spell(new DateTime(second * TimeSpan.TicksPerSecond, DateTimeKind.Utc));
        cache = new SecondSpelling(second, text);
        return text;
    }

    /// <summary>
    /// EdgeCache's outcome from its <c>Cache-Status</c> member (RFC 9211): <c>hit</c>, else the
    /// <c>fwd</c> reason (<c>miss</c>, <c>stale</c>, <c>bypass</c>, ...), else <c>none</c> (the edge
    /// answered without the cache: a refusal, the status page); and its <c>detail</c>, if any.
    /// </summary>
    public static (string Cache, string? Detail) Outcome(Microsoft.Extensions.Primitives.StringValues cacheStatus)
    {
        foreach (var member in cacheStatus)
        {
            if (member is null || !member.StartsWith(Caching.CacheStatus.Name, StringComparison.Ordinal))
            {
                continue; // an origin's or an upstream cache's member
            }
            var cache = "none";
            string? detail = null;
            foreach (var range in member.AsSpan().Split(';'))
            {
                var part = member.AsSpan(range).Trim();
                if (part.SequenceEqual("hit"))
                {
                    cache = "hit";
                }
                else if (part.StartsWith("fwd="))
                {
                    cache = Word(part[4..]);
                }
                else if (part.StartsWith("detail="))
                {
                    detail = part[7..].ToString();
                }
            }
            return (cache, detail);
        }
        return ("none", null);
    }

    private static readonly string[] FwdWords = ["miss", "stale", "bypass", "method", "request", "vary-miss"];

    private static string Word(ReadOnlySpan<char> fwd)
    {
        foreach (var word in FwdWords)
        {
            if (fwd.SequenceEqual(word))
            {
                return word;
            }
        }
        return fwd.ToString();
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

    /// <summary>Printable ASCII but <c>"</c> and <c>\</c>: written as they are, a run at a time.</summary>
    private static readonly SearchValues<char> Plain = SearchValues.Create(
        " !#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijklmnopqrstuvwxyz{|}~");

    private static readonly SearchValues<char> PlainToken = SearchValues.Create(
        "!#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijklmnopqrstuvwxyz{|}~");

    private static void Escape(StringBuilder text, string value, bool escapeSpace)
    {
        Span<byte> utf8 = stackalloc byte[4];
        var plain = escapeSpace ? PlainToken : Plain;
        for (var i = 0; i < value.Length; i++)
        {
            var run = value.AsSpan(i).IndexOfAnyExcept(plain);
            if (run != 0)
            {
                text.Append(run < 0 ? value.AsSpan(i) : value.AsSpan(i, run));
                if (run < 0)
                {
                    return;
                }
                i += run;
            }
            var c = value[i];
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
            var run = value.AsSpan(i).IndexOfAnyExcept(Plain);
            if (run != 0)
            {
                json.Append(run < 0 ? value.AsSpan(i) : value.AsSpan(i, run));
                if (run < 0)
                {
                    break;
                }
                i += run;
            }
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
