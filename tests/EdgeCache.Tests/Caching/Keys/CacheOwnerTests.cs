using EdgeCache.Caching.Keys;
using EdgeCache.Hosting;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Model;

namespace EdgeCache.Tests.Caching.Keys;

public sealed class CacheOwnerTests
{
    private static readonly HttpMessageInvoker Client = new(new SocketsHttpHandler());

    private static string OwnerOf(string clusterId, IReadOnlyDictionary<string, string>? metadata = null) =>
        CacheOwner.Of(new ClusterModel(new ClusterConfig { ClusterId = clusterId, Metadata = metadata }, Client));

    [Fact]
    public void Of_ReverseProxyCluster_ItsId() => Assert.Equal("news", OwnerOf("news"));

    [Fact]
    public void Of_OriginShortcut_TheOriginsAddressInOneSpelling()
    {
        string ShortcutOwner(string origin)
        {
            var section = OriginShortcut.Build(new EdgeCacheOptions { Origin = origin });
            var metadata = section.GetSection($"Clusters:{OriginShortcut.ClusterId}:Metadata").GetChildren().ToDictionary(m => m.Key, m => m.Value!);
            return OwnerOf(OriginShortcut.ClusterId, metadata);
        }

        Assert.Equal("origin http://127.0.0.1:9100/", ShortcutOwner("http://127.0.0.1:9100"));
        Assert.Equal(ShortcutOwner("http://127.0.0.1:9100"), ShortcutOwner("HTTP://127.0.0.1:9100/"));
        Assert.NotEqual(ShortcutOwner("http://127.0.0.1:9100"), ShortcutOwner("http://127.0.0.1:9101"));
        Assert.NotEqual(ShortcutOwner("http://127.0.0.1:9100"), OwnerOf(OriginShortcut.ClusterId)); // a ReverseProxy cluster named "origin"
    }
}
