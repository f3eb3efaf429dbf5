using System.Net;
using EdgeCache.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace EdgeCache.Tests.Integration;

/// <summary>
/// The publisher's own error answers pass through with their status: the branded page stands in
/// for a blank screen (HTML readers, chosen statuses), never for the origin's answer to an API client.
/// </summary>
public sealed class OriginAnswerTests : IAsyncLifetime
{
    private TestOrigin _origin = null!;

    public async Task InitializeAsync()
    {
        _origin = await TestOrigin.StartAsync();
        _origin.Respond(async context =>
        {
            var status = int.Parse(context.Request.Path.Value!.Trim('/'));
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync($$"""{"error":"the publisher's own {{status}}"}""");
        });
    }

    public async Task DisposeAsync() => await _origin.DisposeAsync();

    private static async Task<(HttpResponseMessage Response, string Body)> Get(TestProxy proxy, string path, string accept)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.ParseAdd(accept);
        var response = await proxy.Client.SendAsync(request);
        return (response, await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData(500)]
    [InlineData(503)]
    [InlineData(504)]
    public async Task OriginError_ApiClient_GetsTheOriginsOwnAnswerAndStatus(int status)
    {
        await using var proxy = await TestProxy.StartAsync(_origin.Address);

        var (response, body) = await Get(proxy, $"/{status}", "application/json");

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal($$"""{"error":"the publisher's own {{status}}"}""", body);
        Assert.Equal($"EdgeCache; fwd=miss; fwd-status={status}; detail=origin-error", CacheStatus(response));
    }

    [Fact]
    public async Task OriginError_Browser_GetsTheBrandedPageWithTheOriginsStatus()
    {
        await using var proxy = await TestProxy.StartAsync(_origin.Address);

        var (response, body) = await Get(proxy, "/500", "text/html");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Contains("<html", body);
        Assert.DoesNotContain("the publisher's own", body);
    }

    [Fact]
    public async Task OriginError_RuleTurnsBrandingOff_BrowserGetsTheOriginsAnswer()
    {
        await using var proxy = await TestProxy.StartAsync(_origin.Address, extraArgs: "--EdgeCache:Rules:0:BrandOriginErrors=false");

        var (response, body) = await Get(proxy, "/503", "text/html");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("the publisher's own 503", body);
    }

    [Fact]
    public async Task OriginUnreachable_Post_OneCacheStatusMember()
    {
        await _origin.StopAsync();
        await using var proxy = await TestProxy.StartAsync(_origin.Address);

        var response = await proxy.Client.PostAsync("/form", new StringContent("x"));

        Assert.True((int)response.StatusCode >= 500);
        Assert.Single(response.Headers.GetValues("Cache-Status"));
    }
}
