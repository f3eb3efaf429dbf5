using EdgeCache.Caching;

namespace EdgeCache.Tests.Caching;

/// <summary>Every <c>Cache-Status</c> member the README documents, from the one builder that writes them.</summary>
public sealed class CacheStatusTests
{
    public static TheoryData<string, string> Members() => new()
    {
        { EdgeCache.Caching.CacheStatus.Hit(TimeSpan.FromSeconds(29)), "EdgeCache; hit; ttl=29" },
        { EdgeCache.Caching.CacheStatus.Hit(TimeSpan.FromSeconds(-5.5), "stale-while-revalidate"), "EdgeCache; hit; ttl=-6; detail=stale-while-revalidate" },
        { EdgeCache.Caching.CacheStatus.Forward("miss", stored: true, ttl: TimeSpan.FromSeconds(60)), "EdgeCache; fwd=miss; stored; ttl=60" },
        { EdgeCache.Caching.CacheStatus.Forward("miss", stored: true, ttl: TimeSpan.FromSeconds(60), collapsed: true), "EdgeCache; fwd=miss; stored; ttl=60; collapsed" },
        { EdgeCache.Caching.CacheStatus.Forward("vary-miss", stored: true, ttl: TimeSpan.FromSeconds(60)), "EdgeCache; fwd=vary-miss; stored; ttl=60" },
        { EdgeCache.Caching.CacheStatus.Forward("stale", fwdStatus: 304, stored: true, ttl: TimeSpan.FromSeconds(60)), "EdgeCache; fwd=stale; fwd-status=304; stored; ttl=60" },
        { EdgeCache.Caching.CacheStatus.Forward("stale", ttl: TimeSpan.FromSeconds(-20), detail: "origin-error"), "EdgeCache; fwd=stale; ttl=-20; detail=origin-error" },
        { EdgeCache.Caching.CacheStatus.Forward("stale", ttl: TimeSpan.FromSeconds(-20), detail: "origin-down"), "EdgeCache; fwd=stale; ttl=-20; detail=origin-down" },
        { EdgeCache.Caching.CacheStatus.Forward("stale", ttl: TimeSpan.FromSeconds(-20), detail: "deadline"), "EdgeCache; fwd=stale; ttl=-20; detail=deadline" },
        { EdgeCache.Caching.CacheStatus.Forward("bypass", detail: "rule"), "EdgeCache; fwd=bypass; detail=rule" },
        { EdgeCache.Caching.CacheStatus.Forward("bypass", detail: "authorization"), "EdgeCache; fwd=bypass; detail=authorization" },
        { EdgeCache.Caching.CacheStatus.Forward("method"), "EdgeCache; fwd=method" },
        { EdgeCache.Caching.CacheStatus.Forward("request", stored: true, ttl: TimeSpan.FromSeconds(60)), "EdgeCache; fwd=request; stored; ttl=60" },
        { EdgeCache.Caching.CacheStatus.Forward("miss", detail: "too-large"), "EdgeCache; fwd=miss; detail=too-large" },
        { EdgeCache.Caching.CacheStatus.Forward("miss", detail: "cookie"), "EdgeCache; fwd=miss; detail=cookie" },
        { EdgeCache.Caching.CacheStatus.Forward("miss", detail: "no-freshness"), "EdgeCache; fwd=miss; detail=no-freshness" },
        { EdgeCache.Caching.CacheStatus.Refused("bad-host"), "EdgeCache; detail=bad-host" },
        { EdgeCache.Caching.CacheStatus.Refused("bad-method"), "EdgeCache; detail=bad-method" },
        { EdgeCache.Caching.CacheStatus.Refused("method-not-allowed"), "EdgeCache; detail=method-not-allowed" },
    };

    [Theory]
    [MemberData(nameof(Members))]
    public void Member_IsTheDocumentedString(string built, string expected) => Assert.Equal(expected, built);

    [Fact]
    public void Readme_DocumentsEveryDetail()
    {
        var readme = File.ReadAllText(Path.Combine(EdgeCache.Hosting.CommandLine.FindContentRoot(AppContext.BaseDirectory), "README.md"));

        foreach (var detail in new[] { "stale-while-revalidate", "origin-error", "origin-down", "deadline", "too-large", "cookie",
            "no-freshness", "bad-host", "bad-method", "method-not-allowed", "fwd=vary-miss", "fwd=method", "fwd=request", "collapsed" })
        {
            Assert.Contains(detail, readme);
        }
    }
}
