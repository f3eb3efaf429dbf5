using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using EdgeCache.Tests.Infrastructure;

namespace EdgeCache.Tests.Integration;

/// <summary>
/// Compression at the edge through a real EdgeCache: text the origin sent unencoded is compressed
/// once when stored, and each reader gets the form its <c>Accept-Encoding</c> prefers, with its own
/// validator and length. The client does not decompress: the bytes on the wire are inspected.
/// </summary>
public sealed class EdgeCompressionTests : IAsyncLifetime
{
    private const string CacheControl = "public, max-age=60";
    private static readonly string Page = "<!doctype html><html><body>"
        + string.Concat(Enumerable.Range(0, 200).Select(i => $"<p>Paragraph {i} of a page worth compressing.</p>")) + "</body></html>";
    private readonly HostClock _clock = new();
    private TestOrigin _origin = null!;

    public async Task InitializeAsync()
    {
        _origin = await TestOrigin.StartAsync();
        _origin.Clock = _clock;
        _origin.RespondWith(Page, ("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", CacheControl), ("ETag", "\"v1\""));
    }

    public async Task DisposeAsync() => await _origin.DisposeAsync();

    private Task<TestProxy> StartProxyAsync(string? cacheDir = null, params string[] extraArgs) =>
        TestProxy.StartAsync(_origin.Address, cacheDir, _clock, extraArgs);

    private static HttpRequestMessage Get(string path, string? acceptEncoding, HttpMethod? method = null, string? ifNoneMatch = null, string? range = null)
    {
        var request = new HttpRequestMessage(method ?? HttpMethod.Get, path);
        if (acceptEncoding is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept-Encoding", acceptEncoding);
        }
        if (ifNoneMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-None-Match", ifNoneMatch);
        }
        if (range is not null)
        {
            request.Headers.TryAddWithoutValidation("Range", range);
        }
        return request;
    }

    private static string Encoding(HttpResponseMessage response) => string.Join(",", response.Content.Headers.ContentEncoding);

    private static string ETag(HttpResponseMessage response) => response.Headers.ETag?.ToString() ?? "";

    private static string Vary(HttpResponseMessage response) => string.Join(",", response.Headers.Vary);

    private static byte[] Decode(string encoding, byte[] body)
    {
        using Stream decoder = encoding switch
        {
            "br" => new BrotliStream(new MemoryStream(body), CompressionMode.Decompress),
            "gzip" => new GZipStream(new MemoryStream(body), CompressionMode.Decompress),
            _ => throw new ArgumentException(encoding),
        };
        using var result = new MemoryStream();
        decoder.CopyTo(result);
        return result.ToArray();
    }

    private static async Task<HttpResponseMessage> StoredAsync(TestProxy proxy, string path = "/page")
    {
        using (await proxy.Client.SendAsync(Get(path, null)))
        {
        }
        return await proxy.Client.SendAsync(Get(path, null));
    }

    [Theory]
    [InlineData("gzip", "gzip")]
    [InlineData("br", "br")]
    [InlineData("gzip, deflate, br, zstd", "br")]
    [InlineData("br;q=0.5, gzip", "gzip")]
    [InlineData("br;q=0, gzip;q=0.1", "gzip")]
    [InlineData("*", "br")]
    public async Task Get_AcceptedEncoding_ThatFormDecodingToTheOriginalBytes(string acceptEncoding, string expected)
    {
        await using var proxy = await StartProxyAsync();
        (await StoredAsync(proxy)).Dispose();

        using var response = await proxy.Client.SendAsync(Get("/page", acceptEncoding));

        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(expected, Encoding(response));
        Assert.Equal(body.Length, response.Content.Headers.ContentLength);
        Assert.True(body.Length < System.Text.Encoding.UTF8.GetByteCount(Page) / 3);
        Assert.Equal(System.Text.Encoding.UTF8.GetBytes(Page), Decode(expected, body));
        Assert.Contains("Accept-Encoding", Vary(response));
        Assert.Equal($"\"v1-{expected}\"", ETag(response));
        Assert.Empty(response.Headers.AcceptRanges);
        Assert.StartsWith("EdgeCache; hit", string.Join(",", response.Headers.GetValues("Cache-Status")));
        Assert.Equal(1, _origin.RequestCount);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("identity")]
    [InlineData("br;q=0, gzip;q=0")]
    [InlineData("compress")]
    public async Task Get_NoAcceptableCoding_IdentityWithVary(string? acceptEncoding)
    {
        await using var proxy = await StartProxyAsync();
        (await StoredAsync(proxy)).Dispose();

        using var response = await proxy.Client.SendAsync(Get("/page", acceptEncoding));

        Assert.Equal("", Encoding(response));
        Assert.Equal(Page, await response.Content.ReadAsStringAsync());
        Assert.Equal(System.Text.Encoding.UTF8.GetByteCount(Page), response.Content.Headers.ContentLength);
        Assert.Contains("Accept-Encoding", Vary(response));
        Assert.Equal("\"v1\"", ETag(response));
        Assert.Equal("bytes", string.Join(",", response.Headers.AcceptRanges));
    }

    [Fact]
    public async Task Get_FirstReaderAcceptingGzip_FetchedAnswerAlreadyCompressed()
    {
        await using var proxy = await StartProxyAsync();

        using var response = await proxy.Client.SendAsync(Get("/page", "gzip"));

        Assert.Equal("gzip", Encoding(response));
        Assert.Equal(System.Text.Encoding.UTF8.GetBytes(Page), Decode("gzip", await response.Content.ReadAsByteArrayAsync()));
    }

    [Theory]
    [InlineData("gzip", "\"v1-gzip\"", HttpStatusCode.NotModified)]
    [InlineData("gzip", "\"v1\"", HttpStatusCode.OK)]
    [InlineData("gzip", "\"v1-br\"", HttpStatusCode.OK)]
    [InlineData("br", "\"v1-br\"", HttpStatusCode.NotModified)]
    [InlineData("identity", "\"v1\"", HttpStatusCode.NotModified)]
    [InlineData("identity", "\"v1-gzip\"", HttpStatusCode.OK)]
    public async Task Get_IfNoneMatch_304OnlyForTheFormItNames(string acceptEncoding, string ifNoneMatch, HttpStatusCode expected)
    {
        await using var proxy = await StartProxyAsync();
        (await StoredAsync(proxy)).Dispose();

        using var response = await proxy.Client.SendAsync(Get("/page", acceptEncoding, ifNoneMatch: ifNoneMatch));

        Assert.Equal(expected, response.StatusCode);
        Assert.Contains("Accept-Encoding", Vary(response));
        if (expected == HttpStatusCode.NotModified)
        {
            Assert.Equal(ifNoneMatch, ETag(response));
        }
        Assert.Equal(1, _origin.RequestCount);
    }

    [Fact]
    public async Task Get_Revalidation_SendsTheOriginsOwnETagAndKeepsTheForms()
    {
        _origin.RespondWith(Page, ("Content-Type", "text/html"), ("Cache-Control", "public, no-cache"), ("ETag", "\"v1\""));
        await using var proxy = await StartProxyAsync();
        (await StoredAsync(proxy)).Dispose();

        using var response = await proxy.Client.SendAsync(Get("/page", "gzip"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("gzip", Encoding(response));
        Assert.Equal("\"v1-gzip\"", ETag(response));
        Assert.Equal(System.Text.Encoding.UTF8.GetBytes(Page), Decode("gzip", await response.Content.ReadAsByteArrayAsync()));
        Assert.All(_origin.Requests.Skip(1), r => Assert.Equal("\"v1\"", r.Headers["If-None-Match"].ToString()));
        Assert.True(_origin.RequestCount >= 2);
    }

    [Fact]
    public async Task Get_Range_IdentityBytes()
    {
        await using var proxy = await StartProxyAsync();
        (await StoredAsync(proxy)).Dispose();

        using var response = await proxy.Client.SendAsync(Get("/page", "gzip, br", range: "bytes=0-14"));

        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal("", Encoding(response));
        Assert.Equal(Page[..15], await response.Content.ReadAsStringAsync());
        Assert.Equal($"bytes 0-14/{System.Text.Encoding.UTF8.GetByteCount(Page)}", response.Content.Headers.ContentRange?.ToString());
        Assert.Equal("\"v1\"", ETag(response));
        Assert.Contains("Accept-Encoding", Vary(response));
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData("br")]
    [InlineData(null)]
    public async Task Head_SameFieldsAsGet(string? acceptEncoding)
    {
        await using var proxy = await StartProxyAsync();
        (await StoredAsync(proxy)).Dispose();

        using var get = await proxy.Client.SendAsync(Get("/page", acceptEncoding));
        using var head = await proxy.Client.SendAsync(Get("/page", acceptEncoding, HttpMethod.Head));

        Assert.Equal(Encoding(get), Encoding(head));
        Assert.Equal(get.Content.Headers.ContentLength, head.Content.Headers.ContentLength);
        Assert.Equal(ETag(get), ETag(head));
        Assert.Equal(Vary(get), Vary(head));
        Assert.Contains("Accept-Encoding", Vary(head));
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
    }

    /// <summary>
    /// The origin answers <paramref name="body"/> with <paramref name="headers"/> at <c>/page</c>, and the
    /// compressible page at <c>/control</c>: a test of what is left alone also shows that the same
    /// proxy compresses what it should.
    /// </summary>
    private void RespondWithControl(string body, params (string Name, string Value)[] headers) =>
        _origin.Respond(context => context.Request.Path == "/control"
            ? _origin.Answer(context, Page, ("Content-Type", "text/html"), ("Cache-Control", CacheControl))
            : _origin.Answer(context, body, headers));

    private static async Task AssertControlCompressedAsync(TestProxy proxy)
    {
        (await StoredAsync(proxy, "/control")).Dispose();
        using var control = await proxy.Client.SendAsync(Get("/control", "br, gzip"));
        Assert.Equal("br", Encoding(control));
    }

    [Theory]
    [InlineData("text/html", "public, max-age=60, no-transform", null)]
    [InlineData("image/png", CacheControl, null)]
    [InlineData("text/html", CacheControl, "gzip")]
    public async Task Get_NotForCompression_PassedAsTheOriginSentIt(string contentType, string cacheControl, string? originEncoding)
    {
        var body = Page;
        var headers = new List<(string, string)> { ("Content-Type", contentType), ("Cache-Control", cacheControl), ("ETag", "\"v1\"") };
        if (originEncoding is not null)
        {
            headers.Add(("Content-Encoding", originEncoding));
        }
        RespondWithControl(body, [.. headers]);
        await using var proxy = await StartProxyAsync();
        (await StoredAsync(proxy)).Dispose();

        using var response = await proxy.Client.SendAsync(Get("/page", "br, gzip"));

        Assert.Equal(originEncoding ?? "", Encoding(response));
        Assert.Equal(body, await response.Content.ReadAsStringAsync());
        Assert.Equal("\"v1\"", ETag(response));
        Assert.DoesNotContain("Accept-Encoding", Vary(response));
        Assert.Equal(1, _origin.CountFor("/page"));
        await AssertControlCompressedAsync(proxy);
    }

    [Fact]
    public async Task Get_SmallBody_Untouched()
    {
        RespondWithControl("<p>small</p>", ("Content-Type", "text/html"), ("Cache-Control", CacheControl));
        await using var proxy = await StartProxyAsync();
        (await StoredAsync(proxy)).Dispose();

        using var response = await proxy.Client.SendAsync(Get("/page", "br, gzip"));

        Assert.Equal("", Encoding(response));
        Assert.Equal("<p>small</p>", await response.Content.ReadAsStringAsync());
        Assert.DoesNotContain("Accept-Encoding", Vary(response));
        await AssertControlCompressedAsync(proxy);
    }

    [Fact]
    public async Task Get_CompressionDisabled_Untouched()
    {
        await using var proxy = await StartProxyAsync(null, "--EdgeCache:Compression:Enabled=false");
        (await StoredAsync(proxy)).Dispose();

        using var response = await proxy.Client.SendAsync(Get("/page", "br, gzip"));

        Assert.Equal("", Encoding(response));
        Assert.Equal(Page, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Get_JsonSuffixType_Compressed()
    {
        _origin.RespondWith("[" + string.Join(",", Enumerable.Range(0, 300).Select(i => $"{{\"n\":{i}}}")) + "]",
            ("Content-Type", "application/problem+json"), ("Cache-Control", CacheControl));
        await using var proxy = await StartProxyAsync();
        (await StoredAsync(proxy)).Dispose();

        using var response = await proxy.Client.SendAsync(Get("/page", "gzip"));

        Assert.Equal("gzip", Encoding(response));
    }

    [Fact]
    public async Task Get_OriginVariesOnAcceptEncoding_EachVariantCompressedVaryNamedOnce()
    {
        _origin.RespondWith(Page, ("Content-Type", "text/html"), ("Cache-Control", CacheControl), ("Vary", "Accept-Encoding"));
        await using var proxy = await StartProxyAsync();
        (await proxy.Client.SendAsync(Get("/page", "gzip"))).Dispose();

        using var response = await proxy.Client.SendAsync(Get("/page", "gzip"));

        Assert.Equal("gzip", Encoding(response));
        Assert.Equal(System.Text.Encoding.UTF8.GetBytes(Page), Decode("gzip", await response.Content.ReadAsByteArrayAsync()));
        Assert.Single(response.Headers.Vary, v => v.Equals("Accept-Encoding", StringComparison.OrdinalIgnoreCase));
        Assert.Equal(1, _origin.RequestCount);
    }

    [Fact]
    public async Task Get_FromDiskAfterRestart_EncodedFormsServed()
    {
        var cacheDir = TempDirectory.Create("edgecache-cache");
        await using (var first = await StartProxyAsync(cacheDir))
        {
            (await StoredAsync(first)).Dispose();
        }
        await using var proxy = await StartProxyAsync(cacheDir);

        using var br = await proxy.Client.SendAsync(Get("/page", "br"));
        using var gzip = await proxy.Client.SendAsync(Get("/page", "gzip"));
        using var identity = await proxy.Client.SendAsync(Get("/page", null));

        Assert.Equal("br", Encoding(br));
        Assert.Equal(System.Text.Encoding.UTF8.GetBytes(Page), Decode("br", await br.Content.ReadAsByteArrayAsync()));
        Assert.Equal("gzip", Encoding(gzip));
        Assert.Equal(System.Text.Encoding.UTF8.GetBytes(Page), Decode("gzip", await gzip.Content.ReadAsByteArrayAsync()));
        Assert.Equal(Page, await identity.Content.ReadAsStringAsync());
        Assert.Equal(1, _origin.RequestCount);
    }

    [Fact]
    public async Task Get_StalePageWithBanner_IdentityWithTheBanner()
    {
        // The stored encoded forms lack the banner: a reader who accepts them still gets it.
        await using var proxy = await StartProxyAsync(null, "--EdgeCache:Rules:0:StaleBanner=true");
        (await StoredAsync(proxy)).Dispose();
        using (var fresh = await proxy.Client.SendAsync(Get("/page", "br, gzip")))
        {
            Assert.Equal("br", Encoding(fresh));
        }
        _origin.Respond(context =>
        {
            context.Response.StatusCode = 503;
            return Task.CompletedTask;
        });
        _clock.Advance(TimeSpan.FromMinutes(10));

        using var response = await proxy.Client.SendAsync(Get("/page", "br, gzip"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("", Encoding(response));
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("You are reading a copy saved", body);
        Assert.Contains("<p>Paragraph 199 of a page worth compressing.</p>", body);
        Assert.Equal(System.Text.Encoding.UTF8.GetByteCount(body), response.Content.Headers.ContentLength);
    }

    [Fact]
    public async Task Purge_RemovesEveryForm()
    {
        const string Token = "compression-test-token-0123456789";
        await using var proxy = await StartProxyAsync(null, "--EdgeCache:Admin:Token=" + Token);
        (await StoredAsync(proxy)).Dispose();
        var purge = new HttpRequestMessage(HttpMethod.Post, "/admin/purge")
        {
            Content = new StringContent($$"""{"url":"http://{{TestProxy.PublicHost}}/page"}""", System.Text.Encoding.UTF8, "application/json"),
        };
        purge.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        using (var purged = await proxy.Management.SendAsync(purge))
        {
            Assert.True(purged.IsSuccessStatusCode);
        }

        using var gzip = await proxy.Client.SendAsync(Get("/page", "gzip"));
        using var br = await proxy.Client.SendAsync(Get("/page", "br"));

        Assert.Equal(2, _origin.RequestCount);
        Assert.DoesNotContain("hit", string.Join(",", gzip.Headers.GetValues("Cache-Status")));
        Assert.Equal("gzip", Encoding(gzip));
        Assert.Equal("br", Encoding(br));
    }
}
