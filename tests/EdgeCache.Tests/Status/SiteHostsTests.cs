using EdgeCache.Status;
using Yarp.ReverseProxy.Configuration;

namespace EdgeCache.Tests.Status;

public sealed class SiteHostsTests
{
    private static RouteConfig Route(string cluster, params string[] hosts) => new()
    {
        RouteId = cluster + hosts.Length,
        ClusterId = cluster,
        Match = new RouteMatch { Path = "/{**all}", Hosts = hosts.Length == 0 ? null : hosts },
    };

    private static readonly RouteConfig[] Routes = [Route("news", "news.example.com", "*.news.example.com"), Route("shop", "shop.example.com:8080"), Route("rest")];

    [Theory]
    [InlineData("news.example.com", "news")]
    [InlineData("NEWS.example.com", "news")]
    [InlineData("eu.news.example.com", "news")]
    [InlineData("shop.example.com", "shop")]
    [InlineData("other.example.com", "rest")]
    [InlineData("news.example.com.evil", "rest")]
    public void ClustersFor_TheHostsSiteElseTheCatchAll(string host, string cluster) =>
        Assert.Equal([cluster], SiteHosts.ClustersFor(Routes, host));

    [Fact]
    public void Of_TheClustersHostsOnce() =>
        Assert.Equal(["news.example.com", "*.news.example.com"], SiteHosts.Of([.. Routes, Route("news", "news.example.com")], "news"));
}
