using System.Text.Json;
using System.Text.RegularExpressions;
using EdgeCache.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EdgeCache.Tests.AccessLog;

/// <summary>
/// The access log of a real EdgeCache in front of a real origin: one line per request the public
/// listener answers, whichever step answered it, with each field right.
/// </summary>
public sealed class AccessLogMiddlewareTests
{
    private static readonly Regex TextLine = new(
        """^(?<client>\S+) - - \[(?<time>[^\]]+)\] "(?<method>\S+) (?<target>\S+) (?<protocol>\S+)" (?<status>\d{3}) (?<bytes>\d+) "(?<referer>(?:[^"\\]|\\.)*)" "(?<agent>(?:[^"\\]|\\.)*)" host="(?<host>(?:[^"\\]|\\.)*)" cache=(?<cache>\S+) detail=(?<detail>\S+) origin_status=(?<originStatus>\S+) duration_ms=(?<duration>\d+\.\d{3}) origin_ms=(?<originMs>\S+)$""");

    private static async Task<(TestOrigin Origin, TestProxy Proxy, AccessLogCapture Log)> StartAsync(string? format = "json", params string[] args)
    {
        var origin = await TestOrigin.StartAsync();
        var log = new AccessLogCapture();
        string[] logArgs = format is null ? [] : ["--EdgeCache:AccessLog:Enabled=true", "--EdgeCache:AccessLog:Format=" + format];
        var proxy = await TestProxy.StartAsync(origin.Address, log.Register, extraArgs: [.. logArgs, .. args]);
        return (origin, proxy, log);
    }

    private static JsonElement LineFor(IReadOnlyList<string> lines, string target, int index = 0) =>
        lines.Select(line => JsonDocument.Parse(line).RootElement).Where(line => line.GetProperty("path").GetString() == target).ElementAt(index);

    [Fact]
    public async Task HitAndMiss_EveryFieldPresentAndRight()
    {
        var (origin, proxy, log) = await StartAsync();
        await using var _ = origin;
        await using var __ = proxy;
        origin.RespondWith("hello world", ("Cache-Control", "max-age=60"));

        foreach (var expected in new[] { "fwd=miss", "hit" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/page?x=1");
            request.Headers.UserAgent.ParseAdd("test-agent/1.0");
            request.Headers.Referrer = new Uri("http://referrer.example/from");
            using var response = await proxy.Client.SendAsync(request);
            Assert.Contains(expected, Http.CacheStatus(response));
        }
        var lines = await log.WaitForAsync(line => line.Contains("\"cache\":\"hit\""), "for the hit");

        Assert.Equal(2, lines.Count);
        var miss = LineFor(lines, "/page?x=1", 0);
        var hit = LineFor(lines, "/page?x=1", 1);
        foreach (var line in new[] { miss, hit })
        {
            Assert.Equal("127.0.0.1", line.GetProperty("client").GetString());
            Assert.Equal("GET", line.GetProperty("method").GetString());
            Assert.Equal(TestProxy.PublicHost, line.GetProperty("host").GetString());
            Assert.Equal("HTTP/1.1", line.GetProperty("protocol").GetString());
            Assert.Equal(200, line.GetProperty("status").GetInt32());
            Assert.Equal(11, line.GetProperty("bytes").GetInt64());
            Assert.Equal("http://referrer.example/from", line.GetProperty("referer").GetString());
            Assert.Equal("test-agent/1.0", line.GetProperty("user_agent").GetString());
            Assert.InRange(line.GetProperty("duration_ms").GetDouble(), 0, 20_000);
            var time = DateTimeOffset.Parse(line.GetProperty("time").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(time, DateTimeOffset.UtcNow.AddMinutes(-2), DateTimeOffset.UtcNow.AddSeconds(1));
        }
        Assert.Equal("miss", miss.GetProperty("cache").GetString());
        Assert.Equal(200, miss.GetProperty("origin_status").GetInt32());
        Assert.InRange(miss.GetProperty("origin_ms").GetDouble(), 0, miss.GetProperty("duration_ms").GetDouble());
        Assert.Equal("hit", hit.GetProperty("cache").GetString());
        Assert.Equal(JsonValueKind.Null, hit.GetProperty("detail").ValueKind);
        Assert.Equal(JsonValueKind.Null, hit.GetProperty("origin_status").ValueKind);
        Assert.Equal(JsonValueKind.Null, hit.GetProperty("origin_ms").ValueKind);
        Assert.Equal(1, origin.CountFor("/page?x=1"));
    }

    [Fact]
    public async Task Revalidation_OriginStatusIsTheOrigins304WhileTheReaderGets200()
    {
        var (origin, proxy, log) = await StartAsync();
        await using var _ = origin;
        await using var __ = proxy;
        origin.RespondWith("validated", ("Cache-Control", "max-age=0"), ("ETag", "\"v1\""));

        using (await proxy.Client.GetAsync("/validated"))
        {
        }
        using var second = await proxy.Client.GetAsync("/validated");
        Assert.Contains("fwd-status=304", Http.CacheStatus(second));
        var lines = await log.WaitForAsync(line => line.Contains("\"origin_status\":304"), "for the revalidation");

        var revalidated = LineFor(lines, "/validated", 1);
        Assert.Equal(200, revalidated.GetProperty("status").GetInt32());
        Assert.Equal(304, revalidated.GetProperty("origin_status").GetInt32());
        Assert.Equal("stale", revalidated.GetProperty("cache").GetString());
        Assert.Equal(9, revalidated.GetProperty("bytes").GetInt64());
        Assert.Equal(JsonValueKind.Number, revalidated.GetProperty("origin_ms").ValueKind);
    }

    [Fact]
    public async Task ForwardedAndStreamedThrough_BytesAndOriginStatusOfWhatYarpSent()
    {
        var (origin, proxy, log) = await StartAsync("json", "--EdgeCache:Cache:MaxObjectBytes=1000");
        await using var _ = origin;
        await using var __ = proxy;
        var large = new string('L', 5000);
        origin.Respond(context =>
        {
            context.Response.StatusCode = HttpMethods.IsPost(context.Request.Method) ? 201 : 200;
            return context.Response.WriteAsync(context.Request.Path == "/large" ? large : "created");
        });

        using (var posted = await proxy.Client.PostAsync("/form", new StringContent("x")))
        {
            Assert.Equal("created", await posted.Content.ReadAsStringAsync());
        }
        using (var streamed = await proxy.Client.GetAsync("/large"))
        {
            Assert.Equal(large, await streamed.Content.ReadAsStringAsync());
        }
        var lines = await log.WaitForAsync(line => line.Contains("/large"), "for the large response");

        var post = LineFor(lines, "/form");
        Assert.Equal(("POST", 201, 7L, "method", 201), (post.GetProperty("method").GetString(), post.GetProperty("status").GetInt32(),
            post.GetProperty("bytes").GetInt64(), post.GetProperty("cache").GetString(), post.GetProperty("origin_status").GetInt32()));
        Assert.Equal(JsonValueKind.Number, post.GetProperty("origin_ms").ValueKind);
        var tooLarge = LineFor(lines, "/large");
        Assert.Equal((200, 5000L, "miss", "too-large", 200), (tooLarge.GetProperty("status").GetInt32(), tooLarge.GetProperty("bytes").GetInt64(),
            tooLarge.GetProperty("cache").GetString(), tooLarge.GetProperty("detail").GetString(), tooLarge.GetProperty("origin_status").GetInt32()));
    }

    [Fact]
    public async Task UnknownHostAndStatusPage_OneLineEachWithoutOrigin()
    {
        await using var origin = await TestOrigin.StartAsync();
        var log = new AccessLogCapture();
        await using var proxy = await TestProxy.StartAsync(null, log.Register, extraArgs:
        [
            "--EdgeCache:AccessLog:Enabled=true",
            "--EdgeCache:AccessLog:Format=json",
            "--ReverseProxy:Routes:site:ClusterId=site",
            "--ReverseProxy:Routes:site:Match:Path={**all}",
            "--ReverseProxy:Routes:site:Match:Hosts:0=" + TestProxy.PublicHost,
            "--ReverseProxy:Clusters:site:Destinations:d1:Address=" + origin.Address,
        ]);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/wp-login.php");
        request.Headers.Host = "scanner.example";
        using var unknown = await proxy.Client.SendAsync(request);
        var body = await unknown.Content.ReadAsByteArrayAsync();
        using var status = await proxy.Client.GetAsync("/_edge/status");

        var lines = await log.WaitForAsync(line => line.Contains("/_edge/status"), "for the status page");

        Assert.Equal(2, lines.Count);
        var refused = LineFor(lines, "/wp-login.php");
        Assert.Equal(404, refused.GetProperty("status").GetInt32());
        Assert.Equal("scanner.example", refused.GetProperty("host").GetString());
        Assert.Equal("none", refused.GetProperty("cache").GetString());
        Assert.Equal("unknown-site", refused.GetProperty("detail").GetString());
        Assert.Equal(body.Length, refused.GetProperty("bytes").GetInt64());
        Assert.Equal(JsonValueKind.Null, refused.GetProperty("origin_status").ValueKind);
        var page = LineFor(lines, "/_edge/status");
        Assert.Equal((int)status.StatusCode, page.GetProperty("status").GetInt32());
        Assert.True(page.GetProperty("bytes").GetInt64() > 0);
        Assert.Equal(0, origin.RequestCount);
    }

    [Fact]
    public async Task MisspeltMethod_TheGuardsRefusalIsLogged()
    {
        var (origin, proxy, log) = await StartAsync();
        await using var _ = origin;
        await using var __ = proxy;

        var refused = await RawHttp.SendAsync(proxy.Client.BaseAddress!, $"get /refused HTTP/1.1\r\nHost: {TestProxy.PublicHost}");
        Assert.Equal(400, refused.Status);

        var line = LineFor(await log.WaitForAsync(line => line.Contains("/refused"), "for the refusal"), "/refused");
        Assert.Equal("get", line.GetProperty("method").GetString());
        Assert.Equal(400, line.GetProperty("status").GetInt32());
        Assert.Equal("none", line.GetProperty("cache").GetString());
        Assert.Equal("bad-method", line.GetProperty("detail").GetString());
        Assert.Equal("400 Bad Request\nMethods are case-sensitive.\n".Length, line.GetProperty("bytes").GetInt64()); // the body, not its chunk framing
        Assert.Equal(0, origin.RequestCount);
    }

    [Fact]
    public async Task AbsoluteFormTargetWithUserInfo_PasswordNotLogged()
    {
        var (origin, proxy, log) = await StartAsync("json");
        await using var _ = origin;
        await using var __ = proxy;

        var response = await RawHttp.SendAsync(proxy.Client.BaseAddress!,
            $"GET http://reader:s3cret-pass@{TestProxy.PublicHost}/absolute?page=2 HTTP/1.1\r\nHost: {TestProxy.PublicHost}");
        using (await proxy.Client.GetAsync("/sentinel"))
        {
        }
        var lines = await log.WaitForAsync(line => line.Contains("/sentinel"), "for the sentinel");

        Assert.Equal(200, response.Status);
        Assert.Equal(2, lines.Count);
        Assert.DoesNotContain("s3cret-pass", lines[0]);
        Assert.Contains("/absolute?page=2", lines[0]);
    }

    private const string HostileTarget = "/x%0D%0Ainjected%22\"q\\u";
    private const string HostileAgent = "evil\" \"agent\\\tx";

    [Fact]
    public async Task HostileRequest_Text_ExactlyOneWellFormedLine()
    {
        var (origin, proxy, log) = await StartAsync("text");
        await using var _ = origin;
        await using var __ = proxy;

        var hostile = await RawHttp.SendAsync(proxy.Client.BaseAddress!,
            $"GET {HostileTarget} HTTP/1.1\r\nHost: {TestProxy.PublicHost}\r\nUser-Agent: {HostileAgent}\r\nReferer: \"\\");
        Assert.Equal(200, hostile.Status);
        using (await proxy.Client.GetAsync("/sentinel"))
        {
        }
        var lines = await log.WaitForAsync(line => line.Contains("/sentinel"), "for the sentinel");

        Assert.Equal(2, lines.Count);
        Assert.DoesNotContain((byte)'\r', log.Bytes);
        var match = TextLine.Match(lines[0]);
        Assert.True(match.Success, lines[0]);
        Assert.Equal("/x%0D%0Ainjected%22\\x22q\\x5Cu", match.Groups["target"].Value);
        Assert.Equal("evil\\x22 \\x22agent\\x5C\\x09x", match.Groups["agent"].Value);
        Assert.Equal("\\x22\\x5C", match.Groups["referer"].Value);
        Assert.Equal("200", match.Groups["status"].Value);
        Assert.Equal("miss", match.Groups["cache"].Value);
        Assert.Equal("200", match.Groups["originStatus"].Value);
        Assert.Matches(@"^\d+\.\d{3}$", match.Groups["originMs"].Value);
        Assert.Matches(TextLine, lines[1]);
    }

    [Fact]
    public async Task HostileRequest_Json_OneParsableObjectWithTheValuesSent()
    {
        var (origin, proxy, log) = await StartAsync("json");
        await using var _ = origin;
        await using var __ = proxy;

        await RawHttp.SendAsync(proxy.Client.BaseAddress!,
            $"GET {HostileTarget} HTTP/1.1\r\nHost: {TestProxy.PublicHost}\r\nUser-Agent: {HostileAgent}");
        using (await proxy.Client.GetAsync("/sentinel"))
        {
        }
        var lines = await log.WaitForAsync(line => line.Contains("/sentinel"), "for the sentinel");

        Assert.Equal(2, lines.Count);
        Assert.All(log.Bytes, b => Assert.InRange(b, (byte)0x0A, (byte)0x7E)); // ASCII, no CR or other control bytes
        var line = JsonDocument.Parse(lines[0]).RootElement;
        Assert.Equal(HostileTarget, line.GetProperty("path").GetString());
        Assert.Equal(HostileAgent, line.GetProperty("user_agent").GetString());
    }

    [Fact]
    public async Task InformationLogging_TheAccessLineIsTheRequestsOnlyLine()
    {
        await using var origin = await TestOrigin.StartAsync();
        origin.RespondWith("page", ("Cache-Control", "max-age=60"));
        var log = new AccessLogCapture();
        var logs = new LogCapture();
        await using var proxy = await TestProxy.StartAsync(origin.Address, services =>
        {
            log.Register(services);
            services.AddSingleton<ILoggerProvider>(logs);
        }, extraArgs: ["--EdgeCache:AccessLog:Enabled=true", "--Logging:LogLevel:Default=Information"]);

        foreach (var path in new[] { "/page", "/page", "/_edge/status" })
        {
            using (await proxy.Client.GetAsync(path))
            {
            }
        }
        using (await proxy.Client.PostAsync("/form", new StringContent("x")))
        {
        }
        await log.WaitForAsync(line => line.Contains("/form"), "for the POST");

        Assert.Equal(4, log.Lines.Count);
        string[] perRequest = ["Microsoft.AspNetCore.Hosting.Diagnostics", "Microsoft.AspNetCore.Routing.EndpointMiddleware", "Yarp.ReverseProxy.Forwarder.HttpForwarder"];
        Assert.DoesNotContain(logs.Entries, e => e.Level < LogLevel.Warning && perRequest.Contains(e.Category));
    }

    [Fact]
    public async Task OffByDefault_NothingWritten_UntilSwitchedOnLive()
    {
        var (origin, proxy, log) = await StartAsync(format: null);
        await using var _ = origin;
        await using var __ = proxy;
        origin.RespondWith("page", ("Cache-Control", "max-age=60"));

        using (await proxy.Client.GetAsync("/before"))
        {
        }
        using (await proxy.Client.GetAsync("/before"))
        {
        }
        // Switched on by a configuration change, as an edited appsettings.json would.
        ((IConfigurationBuilder)proxy.Get<IConfiguration>()).AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["EdgeCache:AccessLog:Enabled"] = "true",
        });
        using (await proxy.Client.GetAsync("/after"))
        {
        }
        var lines = await log.WaitForAsync(line => line.Contains("/after"), "for the request after the change");

        var only = Assert.Single(lines);
        Assert.Matches(TextLine, only); // text unless told otherwise
    }
}
