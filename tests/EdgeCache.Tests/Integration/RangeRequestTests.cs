using System.Net;
using System.Text;
using EdgeCache.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace EdgeCache.Tests.Integration;

/// <summary>
/// Range requests at the edge (RFC 9110 14, RFC 9111 3.3-3.4) through a real EdgeCache in front of
/// a loopback origin: a stored 200 answers one byte range as 206 on every path that answers from an
/// entry; the origin is always asked for the whole object.
/// </summary>
public sealed class RangeRequestTests : IAsyncLifetime
{
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz";
    private const string CacheControl = "public, max-age=10, stale-if-error=86400";
    // Dates move only when a test says so: a copy is fresh however slowly a loaded machine runs the test.
    private readonly HostClock _clock = new();
    private TestOrigin _origin = null!;

    public async Task InitializeAsync()
    {
        _origin = await TestOrigin.StartAsync();
        _origin.Clock = _clock;
        _origin.RespondWith(Alphabet, ("Cache-Control", CacheControl), ("ETag", "\"v1\""));
    }

    public async Task DisposeAsync() => await _origin.DisposeAsync();

    private Task<TestProxy> StartProxyAsync(string? cacheDir = null, params string[] extraArgs) =>
        TestProxy.StartAsync(_origin.Address, cacheDir, _clock, extraArgs);

    private static HttpRequestMessage Ranged(string path, string range, HttpMethod? method = null, string? ifRange = null)
    {
        var request = new HttpRequestMessage(method ?? HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation("Range", range);
        if (ifRange is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Range", ifRange);
        }
        return request;
    }

    private static string CacheStatus(HttpResponseMessage response) =>
        string.Join(", ", response.Headers.GetValues("Cache-Status"));

    private static string? ContentRange(HttpResponseMessage response) =>
        response.Content.Headers.TryGetValues("Content-Range", out var values) ? string.Join(", ", values) : null;

    private static async Task AssertPartial(HttpResponseMessage response, string contentRange, string body)
    {
        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal(contentRange, ContentRange(response));
        Assert.Equal(Encoding.ASCII.GetByteCount(body), response.Content.Headers.ContentLength);
        Assert.Equal(Encoding.ASCII.GetBytes(body), await response.Content.ReadAsByteArrayAsync());
    }

    private static async Task AssertFull(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Null(ContentRange(response));
        Assert.Equal(Alphabet, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Get_RangeOnHit_206WithThoseBytes()
    {
        await using var proxy = await StartProxyAsync();
        await proxy.Client.GetAsync("/file");

        using var response = await proxy.Client.SendAsync(Ranged("/file", "bytes=2-5"));

        await AssertPartial(response, "bytes 2-5/26", "cdef");
        Assert.StartsWith("EdgeCache; hit", CacheStatus(response));
        Assert.Equal(1, _origin.RequestCount);
    }

    [Fact]
    public async Task Get_RangeOnHitFromDiskAfterRestart_206WithThoseBytes()
    {
        // Not in memory: answered by the routed step (after the persistent tier's lookup), not before routing.
        var cacheDir = TempDirectory.Create("edgecache-cache");
        await using (var first = await StartProxyAsync(cacheDir))
        {
            await first.Client.GetAsync("/file");
        }
        await using var proxy = await StartProxyAsync(cacheDir);

        using var response = await proxy.Client.SendAsync(Ranged("/file", "bytes=7-9"));

        await AssertPartial(response, "bytes 7-9/26", "hij");
        Assert.StartsWith("EdgeCache; hit", CacheStatus(response));
        Assert.Equal(1, _origin.RequestCount);
    }

    [Fact]
    public async Task Get_EachRangeFormOnHit_206WithThoseBytes()
    {
        await using var proxy = await StartProxyAsync();
        await proxy.Client.GetAsync("/file");

        using var open = await proxy.Client.SendAsync(Ranged("/file", "bytes=20-"));
        using var suffix = await proxy.Client.SendAsync(Ranged("/file", "bytes=-3"));
        using var pastEnd = await proxy.Client.SendAsync(Ranged("/file", "bytes=24-1000"));

        await AssertPartial(open, "bytes 20-25/26", "uvwxyz");
        await AssertPartial(suffix, "bytes 23-25/26", "xyz");
        await AssertPartial(pastEnd, "bytes 24-25/26", "yz");
    }

    [Fact]
    public async Task Get_HitWithoutRange_200AdvertisesAcceptRangesBytes()
    {
        await using var proxy = await StartProxyAsync();
        await proxy.Client.GetAsync("/file");

        using var response = await proxy.Client.GetAsync("/file");

        await AssertFull(response);
        Assert.Equal("bytes", string.Join(",", response.Headers.AcceptRanges));
    }

    [Fact]
    public async Task Get_RangeOnMiss_206AndOriginAskedForWholeObjectWhichIsThenAHit()
    {
        await using var proxy = await StartProxyAsync();

        using var ranged = await proxy.Client.SendAsync(Ranged("/file", "bytes=0-2", ifRange: "\"v1\""));
        using var whole = await proxy.Client.GetAsync("/file");

        await AssertPartial(ranged, "bytes 0-2/26", "abc");
        Assert.StartsWith("EdgeCache; fwd=miss; stored", CacheStatus(ranged));
        var fetch = Assert.Single(_origin.Requests);
        Assert.False(fetch.Headers.ContainsKey("Range"));
        Assert.False(fetch.Headers.ContainsKey("If-Range"));
        await AssertFull(whole);
        Assert.StartsWith("EdgeCache; hit", CacheStatus(whole));
    }

    [Fact]
    public async Task Head_RangeOnHit_IgnoredFull200HeadersWithoutBody()
    {
        // RFC 9110 14.2: GET is the only method with range handling; Range on HEAD MUST be ignored.
        await using var proxy = await StartProxyAsync();
        await proxy.Client.GetAsync("/file");

        using var response = await proxy.Client.SendAsync(Ranged("/file", "bytes=2-5", HttpMethod.Head));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Null(ContentRange(response));
        Assert.Equal(26, response.Content.Headers.ContentLength);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Get_RangePastEnd_416WithLength()
    {
        await using var proxy = await StartProxyAsync();
        await proxy.Client.GetAsync("/file");

        using var response = await proxy.Client.SendAsync(Ranged("/file", "bytes=26-"));

        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, response.StatusCode);
        Assert.Equal("bytes */26", ContentRange(response));
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData("bytes=0-1,4-5")] // several ranges
    [InlineData("bytes=5-2")] // invalid
    [InlineData("items=0-1")] // another unit
    public async Task Get_RangeIgnored_Full200(string range)
    {
        await using var proxy = await StartProxyAsync();
        await proxy.Client.GetAsync("/file");

        using var response = await proxy.Client.SendAsync(Ranged("/file", range));

        await AssertFull(response);
    }

    [Fact]
    public async Task Get_IfRangeMismatch_Full200()
    {
        await using var proxy = await StartProxyAsync();
        await proxy.Client.GetAsync("/file");

        using var other = await proxy.Client.SendAsync(Ranged("/file", "bytes=2-5", ifRange: "\"v0\""));
        using var weak = await proxy.Client.SendAsync(Ranged("/file", "bytes=2-5", ifRange: "W/\"v1\""));
        using var same = await proxy.Client.SendAsync(Ranged("/file", "bytes=2-5", ifRange: "\"v1\""));

        await AssertFull(other);
        await AssertFull(weak);
        await AssertPartial(same, "bytes 2-5/26", "cdef");
    }

    [Fact]
    public async Task Get_IfNoneMatchMatchesWithRange_304()
    {
        await using var proxy = await StartProxyAsync();
        await proxy.Client.GetAsync("/file");
        var request = Ranged("/file", "bytes=2-5");
        request.Headers.TryAddWithoutValidation("If-None-Match", "\"v1\"");

        using var response = await proxy.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotModified, response.StatusCode);
        Assert.Null(ContentRange(response));
    }

    [Fact]
    public async Task Get_OriginAcceptRangesNone_KeptAndRangeIgnored()
    {
        _origin.RespondWith(Alphabet, ("Cache-Control", CacheControl), ("Accept-Ranges", "none"));
        await using var proxy = await StartProxyAsync();
        await proxy.Client.GetAsync("/file");

        using var response = await proxy.Client.SendAsync(Ranged("/file", "bytes=2-5"));

        await AssertFull(response);
        Assert.Equal("none", string.Join(",", response.Headers.AcceptRanges));
    }

    [Fact]
    public async Task Get_RangeWithinStaleWhileRevalidate_206FromStaleCopy()
    {
        await using var proxy = await StartProxyAsync();
        await proxy.Client.GetAsync("/file");
        _clock.Advance(TimeSpan.FromSeconds(15)); // past max-age, within the default 10 s grace

        using var response = await proxy.Client.SendAsync(Ranged("/file", "bytes=-4"));

        await AssertPartial(response, "bytes 22-25/26", "wxyz");
        Assert.Contains("stale-while-revalidate", CacheStatus(response));
    }

    [Fact]
    public async Task Get_RangeWithOriginDown_206FromStaleCopy()
    {
        await using var proxy = await StartProxyAsync();
        await proxy.Client.GetAsync("/file");
        _clock.Advance(TimeSpan.FromSeconds(60)); // past max-age and grace: only stale-if-error serves it
        await _origin.StopAsync();

        using var response = await proxy.Client.SendAsync(Ranged("/file", "bytes=10-12"));

        await AssertPartial(response, "bytes 10-12/26", "klm");
        Assert.StartsWith("EdgeCache; fwd=stale", CacheStatus(response));
    }

    [Fact]
    public async Task Get_RangeOnStalePageWithBanner_Full200()
    {
        // The bannered page is not the stored representation: a range of it would not fit the real one's bytes.
        _origin.RespondWith("<html><body><p>The article</p></body></html>", ("Cache-Control", CacheControl), ("Content-Type", "text/html; charset=utf-8"));
        await using var proxy = await StartProxyAsync(extraArgs: "--EdgeCache:Rules:0:StaleBanner=true");
        await proxy.Client.GetAsync("/article");
        _origin.Respond(context =>
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return Task.CompletedTask;
        });
        _clock.Advance(TimeSpan.FromMinutes(10));

        using var response = await proxy.Client.SendAsync(Ranged("/article", "bytes=0-5"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Null(ContentRange(response));
        Assert.Empty(response.Headers.AcceptRanges);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("You are reading a copy saved", body);
        Assert.Contains("<p>The article</p>", body);
    }

    [Fact]
    public async Task Get_RangeOverMaxObjectBytes_ForwardedWithRangeToOrigin()
    {
        var big = Enumerable.Range(0, 256 * 1024).Select(i => (byte)(i % 251)).ToArray();
        _origin.Respond(async context =>
        {
            context.Response.Headers.CacheControl = "public, max-age=60";
            if (context.Request.Headers.Range.ToString() == "bytes=1000-1009")
            {
                // The origin serves its own range of an object too large for the cache.
                context.Response.StatusCode = StatusCodes.Status206PartialContent;
                context.Response.Headers.ContentRange = $"bytes 1000-1009/{big.Length}";
                await context.Response.Body.WriteAsync(big.AsMemory(1000, 10));
                return;
            }
            await context.Response.Body.WriteAsync(big);
        });
        await using var proxy = await StartProxyAsync(extraArgs: "--EdgeCache:Cache:MaxObjectBytes=65536");

        using var response = await proxy.Client.SendAsync(Ranged("/big", "bytes=1000-1009"));

        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal($"bytes 1000-1009/{big.Length}", ContentRange(response));
        Assert.Equal(big.AsSpan(1000, 10).ToArray(), await response.Content.ReadAsByteArrayAsync());
        Assert.Contains(_origin.Requests, r => r.Headers.TryGetValue("Range", out var range) && range == "bytes=1000-1009");
    }
}
