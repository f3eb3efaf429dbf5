using System.Text;
using EdgeCache.Tests.Infrastructure;

namespace EdgeCache.Tests.Integration;

/// <summary>
/// RFC 9110 7.6.1: the fields an origin names in <c>Connection</c> are for that one connection.
/// They are neither stored nor replayed, on the miss that fetched the answer or on any hit.
/// </summary>
public sealed class HopByHopFieldsTests
{
    private static byte[] Answer(string connection) => Encoding.Latin1.GetBytes(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nCache-Control: max-age=300\r\nConnection: " + connection
        + "\r\nX-Hop: for-this-connection\r\nX-Other-Hop: too\r\nKeep-Alive: timeout=5\r\nProxy-Connection: keep-alive"
        + "\r\nX-Kept: end-to-end\r\nContent-Length: 5\r\n\r\nhello");

    private static async Task<string> GetAsync(TestProxy proxy, string path) =>
        Encoding.Latin1.GetString(await RawHttp.SendForBytesAsync(proxy.Client.BaseAddress!,
            $"GET {path} HTTP/1.1\r\nHost: {TestProxy.PublicHost}"));

    [Theory]
    [InlineData("close, X-Hop, x-other-hop")]
    [InlineData("X-Hop,close,  X-OTHER-HOP ")]
    public async Task ConnectionNominatedFields_NeitherOnTheMissNorOnTheHit(string connection)
    {
        await using var origin = new RawOrigin(Answer(connection));
        await using var proxy = await TestProxy.StartAsync(origin.Address);

        var miss = await GetAsync(proxy, "/hop");
        var hit = await GetAsync(proxy, "/hop");

        Assert.Contains("fwd=miss", miss);
        Assert.Contains("EdgeCache; hit", hit);
        foreach (var answer in new[] { miss, hit })
        {
            Assert.DoesNotContain("X-Hop", answer, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("X-Other-Hop", answer, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("Keep-Alive: timeout", answer, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("Proxy-Connection", answer, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("\r\nX-Kept: end-to-end\r\n", answer);
            Assert.EndsWith("\r\n\r\nhello", answer);
        }
        Assert.Equal(1, origin.RequestCount);
    }
}
