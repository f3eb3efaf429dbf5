using System.Text;
using EdgeCache.Tests.Infrastructure;

namespace EdgeCache.Tests.Integration;

/// <summary>
/// A broken or hostile origin that nominates in <c>Connection</c> a field meant for every
/// recipient (RFC 9110 7.6.1 forbids it: "Cache-Control is never appropriate as a connection
/// option"): dropping the field must never make an answer more shareable than the origin sent it.
/// </summary>
public sealed class HostileConnectionFieldsTests
{
    private static byte[] Answer(string fields, string connection) => Encoding.Latin1.GetBytes(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n" + fields + "Connection: " + connection
        + "\r\nContent-Length: 5\r\n\r\nhello");

    private static async Task<string> GetAsync(TestProxy proxy, string path, string extra = "") =>
        Encoding.Latin1.GetString(await RawHttp.SendForBytesAsync(proxy.Client.BaseAddress!,
            $"GET {path} HTTP/1.1\r\nHost: {TestProxy.PublicHost}{extra}"));

    [Theory]
    [InlineData("Cache-Control: private\r\nExpires: Fri, 01 Jan 2100 00:00:00 GMT\r\n", "Cache-Control")]
    [InlineData("Cache-Control: no-store\r\nExpires: Fri, 01 Jan 2100 00:00:00 GMT\r\n", "close, cache-control")]
    [InlineData("Cache-Control: max-age=300\r\nVary: Cookie\r\n", "Vary")]
    [InlineData("CDN-Cache-Control: private\r\nCache-Control: max-age=300\r\n", "CDN-Cache-Control")]
    [InlineData("Pragma: no-cache\r\nCache-Control: private\r\nExpires: Fri, 01 Jan 2100 00:00:00 GMT\r\n", "Pragma, Cache-Control")]
    public async Task FieldGoverningCaching_NominatedInConnection_AnswerNotShared(string fields, string connection)
    {
        await using var origin = new RawOrigin(Answer(fields, connection));
        await using var proxy = await TestProxy.StartAsync(origin.Address);

        await GetAsync(proxy, "/private", "\r\nCookie: session=alice");
        var other = await GetAsync(proxy, "/private", "\r\nCookie: session=bob");

        Assert.DoesNotContain("EdgeCache; hit", other);
        Assert.Equal(2, origin.RequestCount);
    }
}
