using EdgeCache.Caching;
using EdgeCache.Caching.Policy;
using EdgeCache.Rules;
using Microsoft.AspNetCore.Http;

namespace EdgeCache.Tests.Caching;

public sealed class CacheEntryFactoryTests
{
    [Fact]
    public void Tags_SurrogateKeyCacheTagAndRule_AllBecomeTags()
    {
        var rule = new CacheRule("r", new CacheRuleOptions { Tags = ["site"] });
        var headers = new HeaderDictionary { ["Surrogate-Key"] = "article-1  front", ["Cache-Tag"] = "news, sport" };

        Assert.Equal(["article-1", "front", "news", "site", "sport"], CacheEntryFactory.Tags(headers, rule));
    }

    [Theory]
    [InlineData("caf\u00c3\u00a9", null)]
    [InlineData("caf\u00e9\u00ff\u0080", null)]
    [InlineData("a\tb", null)]
    [InlineData("a\u0001b", "X-Name")]
    [InlineData("a\u007fb", "X-Name")]
    [InlineData("a\u0100b", "X-Name")]
    public void UnsendableHeader_Value_NamesTheFieldOnlyWhenKestrelCannotSendIt(string value, string? expected)
    {
        var headers = new HeaderDictionary { ["Content-Type"] = "text/plain", ["X-Name"] = value };

        Assert.Equal(expected, CacheEntryFactory.UnsendableHeader(headers));
    }

    [Theory]
    [InlineData(200, null, "bytes")]
    [InlineData(200, "none", "none")]   // the origin's own value, kept as sent and alone
    [InlineData(404, null, null)]       // ranges are served of 200s only
    [InlineData(301, null, null)]
    public void Create_AcceptRanges_AddedOnceForA200WithoutTheOriginsOwn(int status, string? origin, string? expected)
    {
        var headers = new HeaderDictionary { ["Content-Type"] = "text/plain" };
        if (origin is not null)
        {
            headers["Accept-Ranges"] = origin;
        }

        var entry = CacheEntryFactory.Create("k", status, headers, new byte[1], new StorageDecision(true, "stored"), CacheRule.Default, DateTimeOffset.UnixEpoch, keepTagHeaders: false);

        Assert.Equal(expected, entry.GetHeader("Accept-Ranges"));
        Assert.True(entry.Headers.Count(h => h.Key.Equals("Accept-Ranges", StringComparison.OrdinalIgnoreCase)) <= 1);
    }

    [Fact]
    public void Create_StoredEntry_DropsCookiesAndHopByHopHeaders()
    {
        var headers = new HeaderDictionary { ["Set-Cookie"] = "s=1", ["Connection"] = "close", ["Content-Type"] = "text/html", ["Age"] = "5" };

        var entry = CacheEntryFactory.Create("k", 200, headers, new byte[1], new StorageDecision(true, "stored"), CacheRule.Default, DateTimeOffset.UnixEpoch, keepTagHeaders: false);

        Assert.Equal(["Content-Type", "Accept-Ranges"], entry.Headers.Select(h => h.Key)); // the cache's own, for ranges of it
    }

    [Fact]
    public void Transient_ResponseForOneReader_KeepsCookies()
    {
        var entry = CacheEntryFactory.Transient("k", 200, new HeaderDictionary { ["Set-Cookie"] = "s=1" }, default, DateTimeOffset.UnixEpoch, keepTagHeaders: false);

        Assert.Equal("s=1", entry.GetHeader("Set-Cookie"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Create_EdgeCacheCacheControl_WithheldCdnCacheControlKept(bool keepTagHeaders)
    {
        var headers = new HeaderDictionary
        {
            ["Cache-Control"] = "no-store", ["CDN-Cache-Control"] = "max-age=60", ["EdgeCache-Cache-Control"] = "max-age=30",
        };

        var entry = CacheEntryFactory.Create("k", 200, headers, new byte[1], new StorageDecision(true, "stored"), CacheRule.Default, DateTimeOffset.UnixEpoch, keepTagHeaders);

        Assert.Equal(["Cache-Control", "CDN-Cache-Control", "Accept-Ranges"], entry.Headers.Select(h => h.Key));
    }

    [Fact]
    public void Transient_EdgeCacheCacheControl_Withheld() =>
        Assert.Null(CacheEntryFactory.Transient("k", 200, new HeaderDictionary { ["edgecache-cache-control"] = "max-age=30" }, default, DateTimeOffset.UnixEpoch,
            keepTagHeaders: true).GetHeader("EdgeCache-Cache-Control"));

    [Theory]
    [InlineData("EdgeCache-Cache-Control", false, true)]
    [InlineData("EdgeCache-Cache-Control", true, true)]
    [InlineData("Surrogate-Key", false, true)]
    [InlineData("Surrogate-Key", true, false)]
    [InlineData("Cache-Tag", false, true)]
    [InlineData("CDN-Cache-Control", false, false)]
    [InlineData("Cache-Control", false, false)]
    public void IsWithheldFromReaders_OwnAndTagFields(string name, bool keepTagHeaders, bool expected) =>
        Assert.Equal(expected, CacheEntryFactory.IsWithheldFromReaders(name, keepTagHeaders));
}
