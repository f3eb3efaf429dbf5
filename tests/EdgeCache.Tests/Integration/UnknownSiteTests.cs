using System.Net;
using EdgeCache.Diagnostics;
using EdgeCache.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EdgeCache.Tests.Integration;

/// <summary>A request for a host no site is configured for gets EdgeCache's 404 with Cache-Status, and is logged.</summary>
public sealed class UnknownSiteTests
{
    [Theory]
    [InlineData("GET", "/")]
    [InlineData("GET", "/favicon.ico")]
    [InlineData("POST", "/wp-login.php")]
    public async Task HostWithoutASite_404WithCacheStatusAndALogLine(string method, string path)
    {
        await using var origin = await TestOrigin.StartAsync();
        var logs = new LogCapture();
        await using var proxy = await TestProxy.StartAsync(null, services => services.AddSingleton<ILoggerProvider>(logs), extraArgs:
        [
            "--ReverseProxy:Routes:site:ClusterId=site",
            "--ReverseProxy:Routes:site:Match:Path={**all}",
            "--ReverseProxy:Routes:site:Match:Hosts:0=" + TestProxy.PublicHost,
            "--ReverseProxy:Clusters:site:Destinations:d1:Address=" + origin.Address,
            "--Logging:LogLevel:EdgeCache=Debug",
        ]);
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        request.Headers.Host = "scanner.example";

        using var response = await proxy.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("EdgeCache; detail=unknown-site", string.Join(", ", response.Headers.GetValues("Cache-Status")));
        Assert.Contains("serves no site at scanner.example", await response.Content.ReadAsStringAsync());
        Assert.Contains(logs.Messages(EventIds.RequestRefused), line => line.Contains("unknown-site", StringComparison.Ordinal));
        Assert.Equal(0, origin.RequestCount);
        using var known = await proxy.Client.GetAsync("/"); // the configured host still reaches its site
        Assert.Equal(1, origin.RequestCount);
    }
}
