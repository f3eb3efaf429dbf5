using EdgeCache.Tests.Infrastructure;

namespace EdgeCache.Tests.Integration;

/// <summary>
/// A copy fresh by heuristic only is revalidated for a reader with a cookie before it is theirs;
/// the origin's 304 confirms it for that reader and must leave the shared copy as it was: a client
/// that merely sends a Cookie must not be able to evict what every other reader is served.
/// </summary>
public sealed class CredentialedRevalidationTests
{
    [Fact]
    public async Task CookieReaderRevalidatesHeuristicCopy_SharedCopyStays()
    {
        await using var origin = await TestOrigin.StartAsync();
        origin.RespondWith("shared page", ("ETag", "\"v1\""), ("Last-Modified", "Mon, 01 Jan 2024 00:00:00 GMT"));
        await using var proxy = await TestProxy.StartAsync(origin.Address);
        async Task<string> Get(string? cookie)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/heuristic");
            if (cookie is not null)
            {
                request.Headers.Add("Cookie", cookie);
            }
            using var response = await proxy.Client.SendAsync(request);
            Assert.Equal("shared page", await response.Content.ReadAsStringAsync());
            return string.Join(", ", response.Headers.GetValues("Cache-Status"));
        }

        await Get(null);
        Assert.StartsWith("EdgeCache; hit", await Get(null));

        await Get("session=mallory"); // revalidated for this reader: 304

        Assert.StartsWith("EdgeCache; hit", await Get(null));
        Assert.Equal(2, origin.CountFor("/heuristic"));
    }
}
