using System.Net;
using EdgeCache.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace EdgeCache.Tests.Integration;

/// <summary>
/// A response over the maximum object size is forwarded once: the reader whose miss fetched it
/// gets the rest of that same origin response, uncached, not a second request (issue 15).
/// </summary>
public sealed class OversizedResponseTests : IAsyncLifetime
{
    private const int MaxObjectBytes = 64 * 1024;
    private TestOrigin _origin = null!;

    public async Task InitializeAsync()
    {
        _origin = await TestOrigin.StartAsync();
        _origin.Respond(async context =>
        {
            // No Content-Length (chunked), or declared, by path: a body of 1 MB, byte i = i % 251.
            var body = Enumerable.Range(0, 1024 * 1024).Select(i => (byte)(i % 251)).ToArray();
            context.Response.Headers.CacheControl = "public, max-age=60";
            context.Response.Headers["X-Origin"] = "big";
            if (context.Request.Path.Value!.EndsWith("declared", StringComparison.Ordinal))
            {
                context.Response.ContentLength = body.Length;
            }
            for (var offset = 0; offset < body.Length; offset += 16 * 1024)
            {
                await context.Response.Body.WriteAsync(body.AsMemory(offset, 16 * 1024));
                await context.Response.Body.FlushAsync();
            }
        });
    }

    public async Task DisposeAsync() => await _origin.DisposeAsync();

    [Theory]
    [InlineData("/big/chunked")]
    [InlineData("/big/declared")]
    public async Task Get_OverMaxObjectBytes_OneOriginRequestPerReaderAndTheWholeBody(string path)
    {
        await using var proxy = await TestProxy.StartAsync(_origin.Address, extraArgs: $"--EdgeCache:Cache:MaxObjectBytes={MaxObjectBytes}");

        for (var reader = 1; reader <= 3; reader++)
        {
            using var response = await proxy.Client.GetAsync(path);
            var body = await response.Content.ReadAsByteArrayAsync();

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("big", response.Headers.GetValues("X-Origin").Single());
            Assert.Contains("detail=too-large", response.Headers.GetValues("Cache-Status").Single());
            Assert.Equal(1024 * 1024, body.Length);
            Assert.True(body.Select((b, i) => b == (byte)(i % 251)).All(ok => ok));
            Assert.Equal(reader, _origin.CountFor(path));
        }
    }

    [Fact]
    public async Task Head_OverMaxObjectBytes_OneOriginRequest()
    {
        await using var proxy = await TestProxy.StartAsync(_origin.Address, extraArgs: $"--EdgeCache:Cache:MaxObjectBytes={MaxObjectBytes}");

        using var response = await proxy.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/big/declared"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1024 * 1024, response.Content.Headers.ContentLength);
        Assert.Equal(1, _origin.CountFor("/big/declared"));
    }
}
