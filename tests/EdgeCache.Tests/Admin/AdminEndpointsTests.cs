using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using EdgeCache.Tests.Infrastructure;

namespace EdgeCache.Tests.Admin;

public sealed class AdminEndpointsTests : IAsyncLifetime
{
    private const string Token = "test-admin-token-0123456789";
    private TestOrigin _origin = null!;

    public async Task InitializeAsync() => _origin = await TestOrigin.StartAsync();

    public async Task DisposeAsync() => await _origin.DisposeAsync();

    [Theory]
    [InlineData("/admin/purge", "{\"url\":\"http://www.example.test/caf\xff\"}")]
    [InlineData("/admin/purge", "{\"tag\":\"\xc3\"}")]
    [InlineData("/admin/warm", "{\"urls\":[\"http://www.example.test/\xfe\"]}")]
    [InlineData("/admin/warm", "{\"sitemap\":\"http://www.example.test/\xc0\xaf\"}")]
    public async Task Post_BodyNotUtf8_400NamingTheBody(string path, string latin1Body)
    {
        await using var proxy = await TestProxy.StartAsync(_origin.Address, extraArgs: "--EdgeCache:Admin:Token=" + Token);
        // Each char one byte: the invalid UTF-8 goes out as it stands.
        var content = new ByteArrayContent(System.Text.Encoding.Latin1.GetBytes(latin1Body));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);

        using var response = await proxy.Management.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Contains("UTF-8", problem.GetProperty("errors").GetProperty("body")[0].GetString());
        Assert.Equal(0, _origin.RequestCount);
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> Post(TestProxy proxy, string path, string json)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        using var response = await proxy.Management.SendAsync(request);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement);
    }

    [Fact]
    public async Task Purge_MisspeltSoft_400NamingItAndNothingPurged()
    {
        _origin.RespondWith("page", ("Cache-Control", "public, max-age=600"));
        await using var proxy = await TestProxy.StartAsync(_origin.Address, extraArgs: "--EdgeCache:Admin:Token=" + Token);
        await proxy.Client.GetAsync("/kept");

        var (status, body) = await Post(proxy, "/admin/purge", $$"""{"url":"http://{{TestProxy.PublicHost}}/kept","sofft":true}""");

        // "sofft" once made a hard purge: the copy that should have stood in for a failure was gone.
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("unknown field; did you mean soft?", body.GetProperty("errors").GetProperty("sofft")[0].GetString());
        using var after = await proxy.Client.GetAsync("/kept");
        Assert.StartsWith("EdgeCache; hit", string.Join(", ", after.Headers.GetValues("Cache-Status")));
    }

    [Theory]
    [InlineData("/admin/purge", """{"URL":"http://www.example.test/"}""", "URL", "did you mean url?")]
    [InlineData("/admin/purge", """{"tag":"news","purge":"all"}""", "purge", "the fields are url, prefix, tag, soft")]
    [InlineData("/admin/warm", """{"sitemaps":"http://www.example.test/sitemap.xml"}""", "sitemaps", "did you mean sitemap?")]
    public async Task Post_UnknownField_400NamingIt(string path, string json, string field, string message)
    {
        await using var proxy = await TestProxy.StartAsync(_origin.Address, extraArgs: "--EdgeCache:Admin:Token=" + Token);

        var (status, body) = await Post(proxy, path, json);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(message, body.GetProperty("errors").GetProperty(field)[0].GetString());
    }

    [Fact]
    public async Task Purge_TwoTargets_EachFieldAtFaultNamed()
    {
        await using var proxy = await TestProxy.StartAsync(_origin.Address, extraArgs: "--EdgeCache:Admin:Token=" + Token);

        var (status, body) = await Post(proxy, "/admin/purge", """{"prefix":"http://www.example.test/a/","tag":"news"}""");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        var errors = body.GetProperty("errors");
        Assert.Equal(["prefix", "tag"], errors.EnumerateObject().Select(p => p.Name).Order());
    }

    [Fact]
    public async Task Warm_SitemapIsA404_502SayingWhichAndWhy()
    {
        _origin.Respond(context =>
        {
            context.Response.StatusCode = 404;
            return _origin.Answer(context, "no such sitemap");
        });
        await using var proxy = await TestProxy.StartAsync(_origin.Address, extraArgs: "--EdgeCache:Admin:Token=" + Token);

        var (status, body) = await Post(proxy, "/admin/warm", $$"""{"sitemap":"http://{{TestProxy.PublicHost}}/sitemap.xml"}""");

        Assert.Equal(HttpStatusCode.BadGateway, status); // was 200 with nothing warmed
        Assert.Equal(0, body.GetProperty("warmed").GetInt32());
        var failure = Assert.Single(body.GetProperty("sitemaps").EnumerateArray());
        Assert.Equal($"http://{TestProxy.PublicHost}/sitemap.xml", failure.GetProperty("url").GetString());
        Assert.Equal("answered 404", failure.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Warm_SomePagesFail_200WithEachFailureAndWhy()
    {
        _origin.Respond(context =>
        {
            context.Response.StatusCode = context.Request.Path == "/gone" ? 404 : 200;
            return _origin.Answer(context, "page", ("Cache-Control", "public, max-age=600"));
        });
        await using var proxy = await TestProxy.StartAsync(_origin.Address, extraArgs: "--EdgeCache:Admin:Token=" + Token);

        var (status, body) = await Post(proxy, "/admin/warm", $$"""{"urls":["http://{{TestProxy.PublicHost}}/ok","http://{{TestProxy.PublicHost}}/gone"]}""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(1, body.GetProperty("warmed").GetInt32());
        var results = body.GetProperty("results").EnumerateArray().ToDictionary(r => r.GetProperty("url").GetString()!, r => r);
        Assert.Equal(JsonValueKind.Null, results[$"http://{TestProxy.PublicHost}/ok"].GetProperty("error").ValueKind);
        Assert.Equal("answered 404", results[$"http://{TestProxy.PublicHost}/gone"].GetProperty("error").GetString());
    }
}
