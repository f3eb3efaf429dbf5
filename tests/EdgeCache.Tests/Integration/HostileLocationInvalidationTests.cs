using System.Text;
using EdgeCache.Tests.Infrastructure;

namespace EdgeCache.Tests.Integration;

/// <summary>
/// RFC 9111 4.4 with a hostile or broken origin: whatever <c>Location</c> and
/// <c>Content-Location</c> say, the unsafe request's own answer reaches its reader intact.
/// </summary>
public sealed class HostileLocationInvalidationTests
{
    [Theory]
    [InlineData("http://[::1")]
    [InlineData("http://www.example.test:99999/a")]
    [InlineData("//www.example.test/a")]
    [InlineData("\\\\www.example.test\\a")]
    [InlineData("http://www.example.test/%")]
    [InlineData("http://www.example.test/a b")]
    [InlineData("/\u00e9t\u00e9")]
    [InlineData("http://user:pw@www.example.test/a")]
    [InlineData("http://WWW.EXAMPLE.TEST./a")]
    [InlineData("http://www.example.test/a#frag")]
    [InlineData("http://www.example.test/a?%zz=%")]
    [InlineData("file:///etc/passwd")]
    [InlineData("http://www.example.test/%2e%2e/%2e%2e/x")]
    [InlineData("http://www.example.test:80/a")]
    [InlineData("http://www.example.test/\u00ff%ff")]
    [InlineData("http://xn--/a")]
    [InlineData("http:")]
    [InlineData("?q")]
    public async Task OddLocation_AnswerReachesTheReader(string location)
    {
        var answer = Encoding.Latin1.GetBytes("HTTP/1.1 201 Created\r\nLocation: " + location + "\r\nContent-Location: " + location
            + "\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok");
        await using var origin = new RawOrigin(answer);
        await using var proxy = await TestProxy.StartAsync(origin.Address);

        var response = await RawHttp.SendAsync(proxy.Client.BaseAddress!,
            $"POST /items HTTP/1.1\r\nHost: {TestProxy.PublicHost}\r\nContent-Length: 0");

        Assert.Equal(201, response.Status);
        Assert.Equal("ok", response.Body);
    }

    [Fact]
    public async Task HugeLocation_AnswerReachesTheReader()
    {
        var location = "/" + new string('a', 60_000);
        var answer = Encoding.Latin1.GetBytes("HTTP/1.1 201 Created\r\nLocation: " + location
            + "\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok");
        await using var origin = new RawOrigin(answer);
        await using var proxy = await TestProxy.StartAsync(origin.Address);

        var response = await RawHttp.SendAsync(proxy.Client.BaseAddress!,
            $"POST /items HTTP/1.1\r\nHost: {TestProxy.PublicHost}\r\nContent-Length: 0");

        Assert.Equal(201, response.Status);
    }
}

/// <summary>RFC 9111 4.4 with the shared tier unreachable: the unsafe request's answer is not held back.</summary>
public sealed class InvalidationWithoutRedisTests
{
    [Fact]
    public async Task RedisRefused_PostAnsweredPromptly()
    {
        var answer = Encoding.Latin1.GetBytes("HTTP/1.1 201 Created\r\nLocation: /items/1\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok");
        await using var origin = new RawOrigin(answer);
        await using var proxy = await TestProxy.StartAsync(origin.Address, extraArgs: ["--redis", "127.0.0.1:1"]);

        for (var i = 0; i < 3; i++)
        {
            var started = System.Diagnostics.Stopwatch.StartNew();
            var response = await RawHttp.SendAsync(proxy.Client.BaseAddress!,
                $"POST /items HTTP/1.1\r\nHost: {TestProxy.PublicHost}\r\nContent-Length: 0");
            Assert.Equal(201, response.Status);
            Assert.Equal("ok", response.Body);
            Assert.True(started.Elapsed < TimeSpan.FromSeconds(5), $"took {started.Elapsed}");
        }
    }
}
