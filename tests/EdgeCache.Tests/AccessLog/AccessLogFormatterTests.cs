using System.Net;
using System.Text.Json;
using EdgeCache.AccessLog;

namespace EdgeCache.Tests.AccessLog;

public sealed class AccessLogFormatterTests
{
    private static AccessLogLine Line(string target = "/a?b=1", string? agent = "agent", string host = "www.example.test", IPAddress? client = null) =>
        new(new DateTimeOffset(2026, 11, 24, 6, 12, 3, 45, TimeSpan.Zero), client ?? IPAddress.Loopback, "GET", host, target, "HTTP/1.1",
            200, 5120, null, agent, "miss", null, 200, TimeSpan.FromMilliseconds(12.4021), TimeSpan.FromMilliseconds(11.8734));

    [Fact]
    public void Text_CombinedLogFormatThenEdgeCacheFields() =>
        Assert.Equal("127.0.0.1 - - [24/Nov/2026:06:12:03 +0000] \"GET /a?b=1 HTTP/1.1\" 200 5120 \"-\" \"agent\" host=\"www.example.test\" cache=miss detail=- origin_status=200 duration_ms=12.402 origin_ms=11.873",
            AccessLogFormatter.Text(Line()));

    [Fact]
    public void Json_EveryFieldTyped() =>
        Assert.Equal("""{"time":"2026-11-24T06:12:03.045Z","client":"127.0.0.1","method":"GET","host":"www.example.test","path":"/a?b=1","protocol":"HTTP/1.1","status":200,"bytes":5120,"referer":null,"user_agent":"agent","cache":"miss","detail":null,"origin_status":200,"duration_ms":12.402,"origin_ms":11.873}""",
            AccessLogFormatter.Json(Line()));

    [Theory]
    [InlineData("/a\r\nb", "/a\\x0D\\x0Ab")]
    [InlineData("/a b\"c\\", "/a\\x20b\\x22c\\x5C")]
    [InlineData("/caf\u00e9\u2028", "/caf\\xC3\\xA9\\xE2\\x80\\xA8")]
    public void Text_TargetEscaped_NothingSplitsTheLine(string target, string escaped)
    {
        var line = AccessLogFormatter.Text(Line(target));

        Assert.Contains($"\"GET {escaped} HTTP/1.1\"", line);
        Assert.All(line, c => Assert.InRange(c, ' ', '~'));
    }

    [Fact]
    public void Text_SurrogatePairAsItsUtf8_LoneSurrogateAsReplacement() =>
        Assert.Contains("\"GET /\\xF0\\x9F\\x98\\x80\\xEF\\xBF\\xBD HTTP/1.1\"", AccessLogFormatter.Text(Line("/\ud83d\ude00\ud800")));

    [Fact]
    public void Text_QuotedFieldKeepsSpaces_EscapesQuotes() =>
        Assert.Contains("\"Mozilla/5.0 (X; \\x22quoted\\x22)\"", AccessLogFormatter.Text(Line(agent: "Mozilla/5.0 (X; \"quoted\")")));

    [Fact]
    public void Json_HostileValues_AsciiAndParsable()
    {
        foreach (var target in new[] { "/a\r\n\"}\\\u0000\u007f\u00e9\u2028\ud83d\ude00", "/\ud800x" })
        {
            JsonHostile(target);
        }
    }

    private static void JsonHostile(string target)
    {
        var line = AccessLogFormatter.Json(Line(target, agent: target));

        Assert.All(line, c => Assert.InRange(c, ' ', '~'));
        var parsed = JsonDocument.Parse(line).RootElement;
        var expected = target.Replace("\ud800", "\ufffd", StringComparison.Ordinal);
        Assert.Equal(expected, parsed.GetProperty("path").GetString());
        Assert.Equal(expected, parsed.GetProperty("user_agent").GetString());
    }

    [Fact]
    public void Client_MappedIPv4WrittenAsIPv4() =>
        Assert.StartsWith("192.0.2.7 ", AccessLogFormatter.Text(Line(client: IPAddress.Parse("192.0.2.7").MapToIPv6())));

    [Theory]
    [InlineData("EdgeCache; hit; ttl=28", "hit", null)]
    [InlineData("EdgeCache; hit; ttl=-3; detail=stale-while-revalidate", "hit", "stale-while-revalidate")]
    [InlineData("EdgeCache; fwd=stale; fwd-status=304", "stale", null)]
    [InlineData("EdgeCache; fwd=miss; detail=rate-limited", "miss", "rate-limited")]
    [InlineData("EdgeCache; detail=unknown-site", "none", "unknown-site")]
    public void Outcome_FromEdgeCachesOwnMember(string member, string cache, string? detail) =>
        Assert.Equal((cache, detail), AccessLogFormatter.Outcome(new Microsoft.Extensions.Primitives.StringValues(["UpstreamCDN; hit", member])));

    [Fact]
    public void Outcome_NoMember_None() =>
        Assert.Equal(("none", (string?)null), AccessLogFormatter.Outcome(Microsoft.Extensions.Primitives.StringValues.Empty));
}
