using System.Net;
using EdgeCache.Hosting;
using EdgeCache.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace EdgeCache.Tests.Integration;

/// <summary>
/// Cleartext HTTP/2 (h2c, prior knowledge) as the README's opt-in gives it: the public listeners
/// under <c>Kestrel:Endpoints</c>, one of them <c>"Protocols": "Http2"</c> on an <c>http://</c> URL,
/// beside an HTTP/1.1 one; the management listener stays where <c>ManagementUrls</c> puts it.
/// </summary>
public sealed class CleartextHttp2Tests : IAsyncLifetime
{
    private TestOrigin _origin = null!;

    public async Task InitializeAsync()
    {
        _origin = await TestOrigin.StartAsync();
        _origin.RespondWith("page over h2c", ("Cache-Control", "public, max-age=600"), ("Keep-Alive", "timeout=5, max=100"));
    }

    public async Task DisposeAsync() => await _origin.DisposeAsync();

    /// <summary>The README's h2c block, ports from the test; the settings file as <c>--config</c> names it.</summary>
    private static async Task<TestProxy> StartAsync(TestOrigin origin, int http1Port, int h2cPort, string h2cProtocols = "Http2", params string[] extraArgs)
    {
        var file = Path.Combine(TempDirectory.Create("edgecache-h2c"), "appsettings.json");
        await File.WriteAllTextAsync(file, $$"""
            {
              "Kestrel": {
                "Endpoints": {
                  "Http": { "Url": "http://127.0.0.1:{{http1Port}}" },
                  "H2c": { "Url": "http://127.0.0.1:{{h2cPort}}", "Protocols": "{{h2cProtocols}}" }
                }
              }
            }
            """);
        return await TestProxy.StartAsync(origin.Address, extraArgs: ["--config", file, .. extraArgs]);
    }

    private static HttpClient Client(int port, Version version) => new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false })
    {
        BaseAddress = new Uri($"http://127.0.0.1:{port}/"),
        DefaultRequestVersion = version,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        DefaultRequestHeaders = { Host = TestProxy.PublicHost },
        Timeout = TimeSpan.FromSeconds(20),
    };

    private static readonly string[] ConnectionSpecific = ["Connection", "Keep-Alive", "Proxy-Connection", "Transfer-Encoding", "Upgrade"];

    private static void AssertNoConnectionSpecificFields(HttpResponseMessage response)
    {
        foreach (var name in ConnectionSpecific)
        {
            Assert.False(response.Headers.NonValidated.Contains(name) || response.Content.Headers.NonValidated.Contains(name), $"{name} on an HTTP/2 answer ({(int)response.StatusCode})");
        }
    }

    [Fact]
    public async Task H2cEndpoint_ServesAHitOverCleartextHttp2_Http1EndpointStillServesHttp11()
    {
        var (http1Port, h2cPort) = (TestCertificates.FreePort(), TestCertificates.FreePort());
        await using var proxy = await StartAsync(_origin, http1Port, h2cPort);
        using var h2c = Client(h2cPort, HttpVersion.Version20);

        using var first = await h2c.GetAsync("/h2c");
        using var second = await h2c.GetAsync("/h2c");

        Assert.Equal(HttpVersion.Version20, first.Version);
        Assert.Equal(HttpVersion.Version20, second.Version);
        Assert.StartsWith("EdgeCache; fwd=miss; stored", CacheStatus(first));
        Assert.StartsWith("EdgeCache; hit", CacheStatus(second));
        Assert.Equal("page over h2c", await first.Content.ReadAsStringAsync());
        Assert.Equal("page over h2c", await second.Content.ReadAsStringAsync());
        Assert.Equal(1, _origin.CountFor("/h2c"));
        AssertNoConnectionSpecificFields(first);
        AssertNoConnectionSpecificFields(second);

        using var http1 = Client(http1Port, HttpVersion.Version11);
        using var viaHttp1 = await http1.GetAsync("/h2c");
        Assert.Equal(HttpVersion.Version11, viaHttp1.Version);
        Assert.StartsWith("EdgeCache; hit", CacheStatus(viaHttp1));
        Assert.Equal("page over h2c", await viaHttp1.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task H2cEndpoint_RefusesHttp11_Http1EndpointRefusesH2c()
    {
        var (http1Port, h2cPort) = (TestCertificates.FreePort(), TestCertificates.FreePort());
        await using var proxy = await StartAsync(_origin, http1Port, h2cPort);

        // Kestrel's own answers: a 400 naming the mistake, and HTTP/2's HTTP_1_1_REQUIRED.
        using var http1OnH2c = Client(h2cPort, HttpVersion.Version11);
        using var refused = await http1OnH2c.GetAsync("/either");
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("HTTP/2 only endpoint", await refused.Content.ReadAsStringAsync());
        using var h2cOnHttp1 = Client(http1Port, HttpVersion.Version20);
        var error = await Assert.ThrowsAsync<HttpRequestException>(() => h2cOnHttp1.GetAsync("/either"));
        Assert.Contains("HTTP_1_1_REQUIRED", error.Message);
        Assert.Equal(0, _origin.CountFor("/either"));
    }

    [Fact]
    public async Task Http1AndHttp2OnCleartext_IsHttp11Only_NoH2c()
    {
        // Kestrel: without TLS there is no ALPN, and an endpoint that has HTTP/1.1 speaks only HTTP/1.1.
        var (http1Port, otherPort) = (TestCertificates.FreePort(), TestCertificates.FreePort());
        await using var proxy = await StartAsync(_origin, http1Port, otherPort, h2cProtocols: "Http1AndHttp2");

        using var h2c = Client(otherPort, HttpVersion.Version20);
        await Assert.ThrowsAsync<HttpRequestException>(() => h2c.GetAsync("/mixed"));
        using var http1 = Client(otherPort, HttpVersion.Version11);
        using var response = await http1.GetAsync("/mixed");
        Assert.Equal(HttpVersion.Version11, response.Version);
        Assert.Equal("page over h2c", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task H2c_StalePageAndErrorPage_CarryNoConnectionSpecificFields()
    {
        var (http1Port, h2cPort) = (TestCertificates.FreePort(), TestCertificates.FreePort());
        _origin.RespondWith("soon stale", ("Cache-Control", "public, max-age=0, stale-if-error=600"), ("Keep-Alive", "timeout=5"));
        await using var proxy = await StartAsync(_origin, http1Port, h2cPort);
        using var h2c = Client(h2cPort, HttpVersion.Version20);
        using (var stored = await h2c.GetAsync("/stale"))
        {
            Assert.Contains("stored", CacheStatus(stored));
        }

        _origin.Respond(context =>
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return context.Response.WriteAsync("origin failing");
        });

        using var stale = await h2c.GetAsync("/stale");
        Assert.Equal(HttpVersion.Version20, stale.Version);
        Assert.Equal(HttpStatusCode.OK, stale.StatusCode);
        Assert.Equal("soon stale", await stale.Content.ReadAsStringAsync());
        AssertNoConnectionSpecificFields(stale);

        using var error = await h2c.GetAsync("/never-stored");
        Assert.Equal(HttpVersion.Version20, error.Version);
        Assert.True((int)error.StatusCode >= 500, $"the error page's status: {(int)error.StatusCode}");
        Assert.NotEmpty(await error.Content.ReadAsStringAsync());
        AssertNoConnectionSpecificFields(error);
    }

    [Fact]
    public async Task H2cSetup_ManagementListenerStaysOnItsOwnAddress_WarmingUsesTheHttp11Endpoint()
    {
        var (http1Port, h2cPort) = (TestCertificates.FreePort(), TestCertificates.FreePort());
        await using var proxy = await StartAsync(_origin, http1Port, h2cPort);
        var host = proxy.Get<PublicAddress>();

        // The public listener is the two endpoints (TestProxy's --urls is overridden by them); the
        // management listener is neither, and answers on its own address only.
        var management = proxy.Management.BaseAddress!;
        Assert.NotEqual(http1Port, management.Port);
        Assert.NotEqual(h2cPort, management.Port);
        using var healthz = await proxy.Management.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, healthz.StatusCode);
        // "H2c" sorts before "Http": the address warming uses is still the one that speaks HTTP/1.1.
        Assert.Equal(new Uri($"http://127.0.0.1:{http1Port}"), await host.WhenKnown.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    /// <summary>
    /// The same endpoints from environment variables (<c>Kestrel__Endpoints__...</c>), which every
    /// configuration of the process reads: the management listener must not open them a second time
    /// (it would fail to start, the port being the public listener's) nor move.
    /// </summary>
    [Fact]
    public async Task H2cFromEnvironmentVariables_ManagementListenerNeitherDuplicatesNorMovesIt()
    {
        var (h2cPort, managementPort) = (TestCertificates.FreePort(), TestCertificates.FreePort());
        var dir = TempDirectory.Create("edgecache-h2c-env");
        await using var edgeCache = EdgeCacheProcess.Start(
            ["--origin", _origin.Address.ToString(), "--cache-dir", Path.Combine(dir, "cache"), "--config", await EmptySettingsAsync(dir),
             "--management-urls", $"http://127.0.0.1:{managementPort}"],
            new Dictionary<string, string>
            {
                ["Kestrel__Endpoints__H2c__Url"] = $"http://127.0.0.1:{h2cPort}",
                ["Kestrel__Endpoints__H2c__Protocols"] = "Http2",
            });
        using var h2c = Client(h2cPort, HttpVersion.Version20);
        using var management = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };

        await Eventually(async () =>
        {
            Assert.False(edgeCache.HasExited, "EdgeCache exited: " + edgeCache.Output);
            try
            {
                using var page = await h2c.GetAsync("/env");
                using var healthz = await management.GetAsync($"http://127.0.0.1:{managementPort}/healthz");
                return page.Version == HttpVersion.Version20 && await page.Content.ReadAsStringAsync() == "page over h2c"
                    && healthz.StatusCode == HttpStatusCode.OK;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, "h2c on the public endpoint and /healthz on the management one", seconds: 30);
    }

    private static async Task<string> EmptySettingsAsync(string dir)
    {
        var file = Path.Combine(dir, "appsettings.json");
        await File.WriteAllTextAsync(file, "{}");
        return file;
    }
}
