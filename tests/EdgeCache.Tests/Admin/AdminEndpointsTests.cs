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
}
