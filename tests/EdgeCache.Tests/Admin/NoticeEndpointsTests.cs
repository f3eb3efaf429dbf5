using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using EdgeCache.Tests.Infrastructure;

namespace EdgeCache.Tests.Admin;

/// <summary><c>/admin/notice</c>: post, list, delete; the admin token; every bad field named.</summary>
public sealed class NoticeEndpointsTests : IAsyncLifetime
{
    private const string Token = "notice-admin-token-0123456789";
    private TestOrigin _origin = null!;
    private TestProxy _proxy = null!;

    public async Task InitializeAsync()
    {
        _origin = await TestOrigin.StartAsync();
        _proxy = await TestProxy.StartAsync(_origin.Address, extraArgs: "--EdgeCache:Admin:Token=" + Token);
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _origin.DisposeAsync();
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> Send(HttpMethod method, string path, string? json = null, string? token = Token)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        }
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        using var response = await _proxy.Management.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, body.Length == 0 ? default : JsonDocument.Parse(body).RootElement);
    }

    private async Task<string[]> Listed() =>
        (await Send(HttpMethod.Get, "/admin/notice")).Body.GetProperty("notices").EnumerateArray().Select(n => n.GetProperty("text").GetString()!).ToArray();

    [Fact]
    public async Task PostListDelete()
    {
        var (status, posted) = await Send(HttpMethod.Post, "/admin/notice", """{"text":"Maintenance at 22:00 UTC","site":"WWW.Example.test","expires":"2099-01-01T00:00:00Z"}""");

        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal("www.example.test", posted.GetProperty("site").GetString());
        Assert.Equal(["Maintenance at 22:00 UTC"], await Listed());
        Assert.Contains("Maintenance at 22:00 UTC", await _proxy.Client.GetStringAsync("/_edge/status"));

        var id = posted.GetProperty("id").GetString();
        Assert.Equal(HttpStatusCode.NoContent, (await Send(HttpMethod.Delete, $"/admin/notice/{id}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Send(HttpMethod.Delete, $"/admin/notice/{id}")).Status);
        Assert.Empty(await Listed());
        Assert.DoesNotContain("Maintenance at 22:00 UTC", await _proxy.Client.GetStringAsync("/_edge/status"));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-token")]
    public async Task WithoutTheToken_401AndNothingPosted(string? token)
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await Send(HttpMethod.Post, "/admin/notice", """{"text":"defaced"}""", token)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Send(HttpMethod.Get, "/admin/notice", token: token)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Send(HttpMethod.Delete, "/admin/notice/1", token: token)).Status);

        Assert.Empty(await Listed());
    }

    [Theory]
    [InlineData("""{"text":"x","expire":"01:00:00"}""", "expire", "did you mean expires?")]
    [InlineData("""{"text":"x","html":"<b>x</b>"}""", "html", "the fields are text, site, expires")]
    [InlineData("""{"txt":"x"}""", "txt", "did you mean text?")]
    public async Task UnknownField_400NamingItAndNothingPosted(string json, string field, string message)
    {
        var (status, body) = await Send(HttpMethod.Post, "/admin/notice", json);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(message, body.GetProperty("errors").GetProperty(field)[0].GetString());
        Assert.Empty(await Listed());
    }

    [Theory]
    [InlineData("""{}""", "text")]
    [InlineData("""{"text":"  "}""", "text")]
    [InlineData("""{"text":7}""", "text")]
    [InlineData("""{"text":"x","site":"https://www.example.test/"}""", "site")]
    [InlineData("""{"text":"x","expires":"tomorrow"}""", "expires")]
    [InlineData("""{"text":"x","expires":"2001-01-01T00:00:00Z"}""", "expires")]
    [InlineData("""{"text":"x","expires":"-01:00:00"}""", "expires")]
    [InlineData("""{"text":"x","expires":"10675199.02:48:05.4775807"}""", "expires")]
    [InlineData("""{"text":"Back soon\r\nfake log line"}""", "text")]
    [InlineData("""{"text":"\u001b[31mred"}""", "text")]
    public async Task BadField_400NamingIt(string json, string field)
    {
        var (status, body) = await Send(HttpMethod.Post, "/admin/notice", json);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.True(body.GetProperty("errors").TryGetProperty(field, out _), body.ToString());
    }

    [Fact]
    public async Task TextTooLong_400WithTheLimit()
    {
        var (status, body) = await Send(HttpMethod.Post, "/admin/notice", JsonSerializer.Serialize(new { text = new string('x', 1001) }));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("at most 1000 characters", body.GetProperty("errors").GetProperty("text")[0].GetString());
    }

    [Fact]
    public async Task TwentyActive_TheNext409()
    {
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(HttpStatusCode.Created, (await Send(HttpMethod.Post, "/admin/notice", $$"""{"text":"n{{i}}"}""")).Status);
        }

        Assert.Equal(HttpStatusCode.Conflict, (await Send(HttpMethod.Post, "/admin/notice", """{"text":"one too many"}""")).Status);
        Assert.Equal(20, (await Listed()).Length);
    }
}
