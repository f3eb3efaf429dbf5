using System.Text;
using EdgeCache.Caching.Stores;
using EdgeCache.Diagnostics;
using EdgeCache.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EdgeCache.Tests.Integration;

/// <summary>
/// Header bytes outside ASCII from an origin (<c>X-Name: café</c> as UTF-8 or as Latin-1) reach
/// every reader as the origin sent them, from the origin, from the cache and passed through.
/// </summary>
public sealed class OriginHeaderBytesTests
{
    public static TheoryData<string> Values => new()
    {
        "caf\u00c3\u00a9", // "café" in UTF-8, one char per byte
        "caf\u00e9",       // "café" in Latin-1
        "\u00ff\u0080",
    };

    /// <summary>The origin's answer with <paramref name="value"/> written one byte per char.</summary>
    private static byte[] Answer(string value, string cacheControl) => Encoding.Latin1.GetBytes(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nCache-Control: " + cacheControl + "\r\nX-Name: " + value
        + "\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello");

    private static async Task<string> GetAsync(TestProxy proxy, string method, string path) =>
        Encoding.Latin1.GetString(await RawHttp.SendForBytesAsync(proxy.Client.BaseAddress!,
            $"{method} {path} HTTP/1.1\r\nHost: {TestProxy.PublicHost}" + (method == "POST" ? "\r\nContent-Length: 0" : "")));

    /// <summary>A 200 carrying the origin's header bytes and body exactly as it sent them.</summary>
    private static void AssertOriginsAnswer(string answer, string value)
    {
        Assert.StartsWith("HTTP/1.1 200 ", answer);
        Assert.Contains("\r\nX-Name: " + value + "\r\n", answer);
        Assert.EndsWith("\r\n\r\nhello", answer);
    }

    [Theory]
    [MemberData(nameof(Values))]
    public async Task Get_NonAsciiHeaderValue_MissAndHitCarryTheOriginsBytes(string value)
    {
        await using var origin = new RawOrigin(Answer(value, "max-age=300"));
        await using var proxy = await TestProxy.StartAsync(origin.Address);

        var first = await GetAsync(proxy, "GET", "/cafe");
        var second = await GetAsync(proxy, "GET", "/cafe");

        foreach (var answer in new[] { first, second })
        {
            AssertOriginsAnswer(answer, value);
        }
        Assert.Contains("fwd=miss", first);
        Assert.Contains("EdgeCache; hit", second);
        Assert.Equal(1, origin.RequestCount);
    }

    [Theory]
    [MemberData(nameof(Values))]
    public async Task Get_NonAsciiHeaderValue_HitFromDiskAfterRestartCarriesTheOriginsBytes(string value)
    {
        await using var origin = new RawOrigin(Answer(value, "max-age=300"));
        var cacheDir = TempDirectory.Create("edgecache-cache");
        await using (var before = await TestProxy.StartAsync(origin.Address, cacheDir))
        {
            Assert.Contains("\r\nX-Name: " + value + "\r\n", await GetAsync(before, "GET", "/cafe"));
        }
        await using var proxy = await TestProxy.StartAsync(origin.Address, cacheDir);

        var answer = await GetAsync(proxy, "GET", "/cafe");

        AssertOriginsAnswer(answer, value);
        Assert.Contains("EdgeCache; hit", answer);
        Assert.Equal(1, origin.RequestCount);
    }

    [Theory]
    [MemberData(nameof(Values))]
    public async Task Get_NonAsciiHeaderValue_HitFromRedisOnAnotherNodeCarriesTheOriginsBytes(string value)
    {
        await using var redis = await RedisServer.StartAsync();
        await using var origin = new RawOrigin(Answer(value, "max-age=300"));
        await using var first = await TestProxy.StartAsync(origin.Address, extraArgs: ["--redis", redis.Configuration]);
        await using var second = await TestProxy.StartAsync(origin.Address, extraArgs: ["--redis", redis.Configuration]);
        Assert.Contains("\r\nX-Name: " + value + "\r\n", await GetAsync(first, "GET", "/cafe"));
        await first.Get<TieredStore>().FlushAsync(); // the write to Redis behind the answer

        var answer = await GetAsync(second, "GET", "/cafe");

        AssertOriginsAnswer(answer, value);
        Assert.Contains("EdgeCache; hit", answer);
        Assert.Equal(1, origin.RequestCount);
    }

    [Theory]
    [MemberData(nameof(Values))]
    public async Task Post_NonAsciiHeaderValue_PassedThroughWithTheOriginsBytes(string value)
    {
        await using var origin = new RawOrigin(Answer(value, "no-store"));
        await using var proxy = await TestProxy.StartAsync(origin.Address);

        var answer = await GetAsync(proxy, "POST", "/form");

        AssertOriginsAnswer(answer, value);
    }

    [Theory]
    [InlineData("a\u0001b")]
    [InlineData("a\u007fb")]
    public async Task Get_ControlCharInHeaderValue_RefusedAtStoreTimeWith502AndALogLine(string value)
    {
        var log = new LogCapture();
        await using var origin = new RawOrigin(Answer(value, "max-age=300"));
        await using var proxy = await TestProxy.StartAsync(origin.Address, services: collection => collection.AddSingleton<ILoggerProvider>(log));

        var first = await GetAsync(proxy, "GET", "/ctl");
        var second = await GetAsync(proxy, "GET", "/ctl");

        Assert.StartsWith("HTTP/1.1 502 ", first);
        Assert.StartsWith("HTTP/1.1 502 ", second);
        Assert.Equal(2, origin.RequestCount); // never stored
        Assert.Equal(2, log.Messages(EventIds.EntryNotStorable).Count(m => m.Contains("X-Name", StringComparison.Ordinal)));
    }
}
