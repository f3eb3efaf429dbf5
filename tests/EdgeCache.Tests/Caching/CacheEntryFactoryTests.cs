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

    [Fact]
    public void Create_StoredEntry_DropsCookiesAndHopByHopHeaders()
    {
        var headers = new HeaderDictionary { ["Set-Cookie"] = "s=1", ["Connection"] = "close", ["Content-Type"] = "text/html", ["Age"] = "5" };

        var entry = CacheEntryFactory.Create("k", 200, headers, new byte[1], new StorageDecision(true, "stored"), CacheRule.Default, DateTimeOffset.UnixEpoch, keepTagHeaders: false);

        Assert.Equal(["Content-Type"], entry.Headers.Select(h => h.Key));
    }

    [Fact]
    public void Transient_ResponseForOneReader_KeepsCookies()
    {
        var entry = CacheEntryFactory.Transient("k", 200, new HeaderDictionary { ["Set-Cookie"] = "s=1" }, default, DateTimeOffset.UnixEpoch, keepTagHeaders: false);

        Assert.Equal("s=1", entry.GetHeader("Set-Cookie"));
    }
}
