using System.Text.RegularExpressions;
using EdgeCache.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace EdgeCache.Tests.Integration;

/// <summary>
/// Every response carries exactly one <c>Cache-Status</c> field with exactly one EdgeCache member,
/// whatever the outcome: read from the wire, so a field written twice, or two members joined in
/// one field, cannot hide.
/// </summary>
public sealed partial class OneCacheStatusTests : IAsyncLifetime
{
    private TestOrigin _origin = null!;

    public async Task InitializeAsync()
    {
        _origin = await TestOrigin.StartAsync();
        _origin.Respond(Answer);
    }

    public async Task DisposeAsync() => await _origin.DisposeAsync();

    /// <summary>What the origin answers, by path.</summary>
    private static Task Answer(HttpContext context)
    {
        var response = context.Response;
        switch (context.Request.Path.Value)
        {
            case "/private":
                response.Headers.CacheControl = "private";
                return response.WriteAsync("mine");
            case "/big":
                response.Headers.CacheControl = "public, max-age=60";
                return response.WriteAsync(new string('x', 4096));
            case "/revalidate":
                response.Headers.CacheControl = "public, max-age=0, stale-if-error=600";
                response.Headers.ETag = "\"v1\"";
                if (context.Request.Headers.IfNoneMatch == "\"v1\"")
                {
                    response.StatusCode = StatusCodes.Status304NotModified;
                    return Task.CompletedTask;
                }
                return response.WriteAsync("page");
            case "/swr":
                response.Headers.CacheControl = "public, max-age=0, stale-while-revalidate=600";
                return response.WriteAsync("page");
            case "/fails-later" when context.Request.Headers.ContainsKey("X-Fail"):
            case "/error":
                response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                response.ContentType = "application/json";
                return response.WriteAsync("{\"error\":\"down for maintenance\"}");
            case "/fails-later":
                response.Headers.CacheControl = "public, max-age=0, stale-if-error=600";
                return response.WriteAsync("page");
            default:
                response.Headers.CacheControl = "public, max-age=60";
                return response.WriteAsync("page");
        }
    }

    private static string Get(string path, params string[] fields) =>
        string.Join("\r\n", [$"GET {path} HTTP/1.1", $"Host: {TestProxy.PublicHost}", .. fields]);

    /// <summary>Each outcome: requests sent first to set it up, then the one whose answer is checked, and the member expected.</summary>
    public static TheoryData<string, string[], string, string> Outcomes() => new()
    {
        { "miss, stored", [], Get("/page"), "fwd=miss; stored" },
        { "hit", [Get("/page")], Get("/page"), "hit" },
        { "bypass", [], Get("/page", "Authorization: Bearer x"), "fwd=bypass" },
        { "method", [], "POST /page HTTP/1.1\r\nHost: www.example.test\r\nContent-Length: 0", "fwd=method" },
        { "uncacheable", [], Get("/private"), "fwd=miss; detail=private" },
        { "too large", [], Get("/big"), "detail=too-large" },
        { "revalidated", [Get("/revalidate")], Get("/revalidate"), "fwd=stale; fwd-status=304" },
        { "stale-while-revalidate", [Get("/swr")], Get("/swr"), "detail=stale-while-revalidate" },
        { "stale on an origin error", [Get("/fails-later")], Get("/fails-later", "X-Fail: 1"), "fwd=stale; ttl=" },
        { "origin error to an API client", [], Get("/error", "Accept: application/json"), "fwd=miss; fwd-status=503; detail=origin-error" },
        { "origin error, branded for a browser", [], Get("/error", "Accept: text/html"), "detail=origin-error" },
        { "client no-cache, not honoured by default", [Get("/page")], Get("/page", "Cache-Control: no-cache"), "hit" },
        { "bad host", [], "GET /page HTTP/1.1\r\nHost: ", "detail=bad-host" },
        { "trace", [], "TRACE /page HTTP/1.1\r\nHost: www.example.test", "detail=method-not-allowed" },
        { "status page", [], Get("/_edge/status"), "" },
    };

    [Theory]
    [MemberData(nameof(Outcomes))]
    public async Task EveryOutcome_ExactlyOneCacheStatusMember(string outcome, string[] setup, string request, string expected)
    {
        // The rule keeps requests with Authorization out of the cache: the bypass case.
        await using var proxy = await TestProxy.StartAsync(_origin.Address, extraArgs: ["--EdgeCache:Cache:MaxObjectBytes=1024", "--EdgeCache:Rules:0:CacheAuthorized=false"]);
        foreach (var first in setup)
        {
            await RawHttp.SendAsync(proxy.Client.BaseAddress!, first);
            await proxy.Get<EdgeCache.Caching.Stores.TieredStore>().FlushAsync();
        }

        var response = await RawHttp.SendAsync(proxy.Client.BaseAddress!, request);

        var fields = response.Head.Split("\r\n").Where(l => l.StartsWith("Cache-Status:", StringComparison.OrdinalIgnoreCase)).ToList();
        if (expected.Length == 0)
        {
            Assert.True(fields.Count <= 1, $"{outcome}: {string.Join(" | ", fields)}");
            return;
        }
        var field = Assert.Single(fields);
        Assert.Single(MemberName().Matches(field));
        Assert.Contains(expected, field);
    }

    [Fact]
    public async Task OriginUnreachable_UncachedGetAndPost_OneMemberEach()
    {
        await using var proxy = await TestProxy.StartAsync(_origin.Address);
        await _origin.StopAsync();

        foreach (var request in new[] { Get("/page"), "POST /page HTTP/1.1\r\nHost: www.example.test\r\nContent-Length: 0" })
        {
            var response = await RawHttp.SendAsync(proxy.Client.BaseAddress!, request);
            var field = Assert.Single(response.Head.Split("\r\n"), l => l.StartsWith("Cache-Status:", StringComparison.OrdinalIgnoreCase));
            Assert.Single(MemberName().Matches(field));
            Assert.Matches("detail=origin-(down|error)", field);
        }
    }

    [GeneratedRegex("EdgeCache")]
    private static partial Regex MemberName();
}
