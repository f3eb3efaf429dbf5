using Microsoft.Extensions.Primitives;
using EdgeCache.Caching.Keys;
using EdgeCache.Rules;
using Microsoft.AspNetCore.Http;

namespace EdgeCache.Tests.Caching.Keys;

public sealed class CacheKeysTests
{
    private static HttpRequest Request(string scheme, string host, string path, string query = "", string method = "GET")
    {
        var context = new DefaultHttpContext();
        context.Request.Method = method;
        context.Request.Scheme = scheme;
        context.Request.Host = new HostString(host);
        context.Request.Path = path;
        context.Request.QueryString = new QueryString(query);
        return context.Request;
    }

    private static CacheRule Rule(Action<CacheRuleOptions> configure)
    {
        var options = new CacheRuleOptions();
        configure(options);
        return new CacheRule("t", options);
    }

    [Fact]
    public void Primary_HostCaseAndDefaultPort_Normalised() =>
        Assert.Equal(CacheKeys.Primary(Request("http", "www.example.com", "/a"), CacheRule.Default),
            CacheKeys.Primary(Request("http", "WWW.Example.COM:80", "/a"), CacheRule.Default));

    [Fact]
    public void Primary_NonDefaultPort_Kept() =>
        Assert.NotEqual(CacheKeys.Primary(Request("http", "example.com", "/a"), CacheRule.Default),
            CacheKeys.Primary(Request("http", "example.com:8080", "/a"), CacheRule.Default));

    [Fact]
    public void Primary_SpellsSchemeHostPortPathAndQuery() =>
        Assert.Equal("GET http://www.example.com:8080/a/b?x=1",
            CacheKeys.Primary(Request("http", "WWW.Example.com:8080", "/a/b", "?x=1"), CacheRule.Default));

    [Fact]
    public void Primary_Ipv6Host_KeepsBracketsAndPort() =>
        Assert.Equal("GET http://[::1]:8080/a", CacheKeys.Primary(Request("http", "[::1]:8080", "/a"), CacheRule.Default));

    [Fact]
    public void Primary_LongerThanStackBuffer_SpelledWhole()
    {
        // Keys past the 256 characters kept on the stack continue in a pooled buffer.
        var path = "/" + string.Concat(Enumerable.Range(0, 400).Select(i => (char)('a' + i % 26)));
        var query = "?" + string.Join('&', Enumerable.Range(0, 60).Select(i => $"p{i}={i}"));

        var key = CacheKeys.Primary(Request("https", "news.example", path, query), CacheRule.Default);

        Assert.Equal("GET https://news.example" + path + query, key);
        var variant = CacheKeys.Variant(key, ["accept-language"], new HeaderDictionary { ["Accept-Language"] = "  de,\t en  " });
        Assert.Equal(key + "\nv:accept-language=de,en", variant);
    }

    [Fact]
    public void Primary_HeadAndGet_SameKey() =>
        Assert.Equal(CacheKeys.Primary(Request("https", "e.com", "/a", method: "HEAD"), CacheRule.Default),
            CacheKeys.Primary(Request("https", "e.com", "/a"), CacheRule.Default));

    [Fact]
    public void Primary_SchemeDiffers_DifferentKeys() =>
        Assert.NotEqual(CacheKeys.Primary(Request("https", "e.com", "/a"), CacheRule.Default),
            CacheKeys.Primary(Request("http", "e.com", "/a"), CacheRule.Default));

    [Fact]
    public void Primary_PathCase_Significant() =>
        Assert.NotEqual(CacheKeys.Primary(Request("http", "e.com", "/A"), CacheRule.Default),
            CacheKeys.Primary(Request("http", "e.com", "/a"), CacheRule.Default));

    [Fact]
    public void Primary_QueryOrderWithoutRule_Significant() =>
        Assert.NotEqual(CacheKeys.Primary(Request("http", "e.com", "/", "?a=1&b=2"), CacheRule.Default),
            CacheKeys.Primary(Request("http", "e.com", "/", "?b=2&a=1"), CacheRule.Default));

    [Fact]
    public void Primary_SortRule_OrderIgnored()
    {
        var rule = Rule(r => r.SortQueryParameters = true);
        Assert.Equal(CacheKeys.Primary(Request("http", "e.com", "/", "?a=1&b=2"), rule),
            CacheKeys.Primary(Request("http", "e.com", "/", "?b=2&a=1"), rule));
    }

    [Fact]
    public void Primary_IgnoredParameters_Dropped()
    {
        var rule = Rule(r => r.IgnoreQueryParameters.Add("utm_*"));
        Assert.Equal(CacheKeys.Primary(Request("http", "e.com", "/p", "?id=7"), rule),
            CacheKeys.Primary(Request("http", "e.com", "/p", "?utm_source=x&id=7&utm_medium=y"), rule));
    }

    [Fact]
    public void Primary_AllParametersIgnored_SameAsNoQuery()
    {
        var rule = Rule(r => r.IgnoreQueryParameters.Add("utm_*"));
        Assert.Equal(CacheKeys.Primary(Request("http", "e.com", "/p"), rule),
            CacheKeys.Primary(Request("http", "e.com", "/p", "?utm_source=x"), rule));
    }

    [Fact]
    public void Primary_KeyHeader_SeparatesValues()
    {
        var rule = Rule(r => r.KeyHeaders.Add("X-Device"));
        var mobile = Request("http", "e.com", "/");
        mobile.Headers["X-Device"] = "mobile";
        var desktop = Request("http", "e.com", "/");
        desktop.Headers["X-Device"] = "desktop";

        Assert.NotEqual(CacheKeys.Primary(mobile, rule), CacheKeys.Primary(desktop, rule));
    }

    [Fact]
    public void Variant_DifferentValues_DifferentKeys() =>
        Assert.NotEqual(CacheKeys.Variant("k", ["accept-language"], new HeaderDictionary { ["Accept-Language"] = "en" }),
            CacheKeys.Variant("k", ["accept-language"], new HeaderDictionary { ["Accept-Language"] = "fr" }));

    [Fact]
    public void Variant_WhitespaceDifferences_SameKey() =>
        Assert.Equal(CacheKeys.Variant("k", ["accept-encoding"], new HeaderDictionary { ["Accept-Encoding"] = "gzip,  br" }),
            CacheKeys.Variant("k", ["accept-encoding"], new HeaderDictionary { ["Accept-Encoding"] = "gzip, br" }));

    private static string AcceptLanguage(params string[] lines) =>
        CacheKeys.Variant("k", ["accept-language"], new HeaderDictionary { ["Accept-Language"] = new StringValues(lines) });

    [Theory]
    [InlineData("en-US,en;q=0.9", "en-us, en;q=0.9")]      // case and whitespace
    [InlineData("en-US,en;q=0.9", "en;q=0.9, en-US")]      // the same weights, in another order
    [InlineData("en-US,en;q=0.9", "en-US;q=1.0,en;q=0.900")] // q=1 is the default; q in its shortest form
    [InlineData("en-US,en;q=0.9", "en-US ; q=1 , en ; Q=0.9")]
    [InlineData("fr,de", "fr;q=1,de")]
    public void Variant_AcceptLanguageSpelledDifferently_SameKey(string one, string other) =>
        Assert.Equal(AcceptLanguage(one), AcceptLanguage(other));

    [Fact]
    public void Variant_AcceptLanguageOverSeveralLines_SameAsOneList() =>
        Assert.Equal(AcceptLanguage("de, en;q=0.5"), AcceptLanguage("de", "en;q=0.5"));

    [Theory]
    [InlineData("en,fr", "fr,en")]                 // equal weights: the sender's order is its preference
    [InlineData("en;q=0.9,fr", "en,fr;q=0.9")]
    [InlineData("en", "en;q=0")]                   // q=0 means not acceptable
    [InlineData("en-US", "en")]
    public void Variant_AcceptLanguageDifferentPreferences_DifferentKeys(string one, string other) =>
        Assert.NotEqual(AcceptLanguage(one), AcceptLanguage(other));

    [Fact]
    public void Variant_AcceptAndAcceptEncoding_CaseAndWhitespaceIgnored()
    {
        Assert.Equal(CacheKeys.Variant("k", ["accept"], new HeaderDictionary { ["Accept"] = "Text/HTML; level=1, */*;q=0.8" }),
            CacheKeys.Variant("k", ["accept"], new HeaderDictionary { ["Accept"] = "text/html;level=1,*/*;q=0.80" }));
        Assert.Equal(CacheKeys.Variant("k", ["accept-encoding"], new HeaderDictionary { ["Accept-Encoding"] = "GZIP, br" }),
            CacheKeys.Variant("k", ["accept-encoding"], new HeaderDictionary { ["Accept-Encoding"] = "gzip,br" }));
    }

    private static string Negotiated(string name, string? value) =>
        CacheKeys.Variant("k", [name.ToLowerInvariant()], value is null ? new HeaderDictionary() : new HeaderDictionary { [name] = value });

    /// <summary>
    /// Spellings an origin may read differently must not share a variant, or one reader's request
    /// stores an answer that every browser sending the clean spelling then gets (a poisoned
    /// variant: JSON or XML for the HTML page, a gzip body for a reader that cannot decode it).
    /// </summary>
    [Theory]
    [InlineData("Accept", "text/html;q=0;q=1,application/json", "text/html,application/json")] // most parsers read the first q
    [InlineData("Accept-Encoding", "gzip;q=0;q=1", "gzip")]
    [InlineData("Accept", "text/h tml,application/json", "text/html,application/json")] // whitespace inside a token: another (invalid) range
    [InlineData("Accept-Encoding", "g zip, identity", "gzip, identity")]
    [InlineData("Accept-Language", "en;q =0,fr", "en;q=0,fr")] // no whitespace around = in a weight (RFC 9110 12.4.2)
    [InlineData("Accept-Encoding", "", null)] // empty: identity only (RFC 9110 12.5.3); absent: any coding
    [InlineData("Accept-Encoding", ",", null)]
    public void Variant_SpellingsAnOriginMayReadDifferently_DifferentKeys(string name, string? one, string? other) =>
        Assert.NotEqual(Negotiated(name, one), Negotiated(name, other));

    [Fact]
    public void Variant_OtherField_CaseKept() =>
        Assert.NotEqual(CacheKeys.Variant("k", ["x-theme"], new HeaderDictionary { ["X-Theme"] = "Dark" }),
            CacheKeys.Variant("k", ["x-theme"], new HeaderDictionary { ["X-Theme"] = "dark" }));

    [Fact]
    public void ParseVary_MixedCaseDuplicates_LowerSortedUnique() =>
        Assert.Equal(["accept-encoding", "accept-language"], CacheKeys.ParseVary(["Accept-Language, accept-encoding", "ACCEPT-LANGUAGE"]));

    [Theory]
    [InlineData("?utm_source=x&b=2&a=1", "?a=1&b=2")]
    [InlineData("?utm_source=x", "")]
    [InlineData("?b=%zz&a", "?a&b=%zz")]
    public void ShapeQuery_IgnoredRemovedRestSorted(string query, string expected) =>
        Assert.Equal(expected, CacheKeys.ShapeQuery(query, Rule(r => { r.IgnoreQueryParameters = ["utm_*"]; r.SortQueryParameters = true; })));

    [Fact]
    public void ShapeQuery_NoShapingRule_SameString()
    {
        var query = "?b=2&a=1";

        Assert.Same(query, CacheKeys.ShapeQuery(query, CacheRule.Default));
    }

    [Fact]
    public void Primary_RawTargetWithEncodedSlash_KeyedAsReceived()
    {
        var request = Request("http", "h", "/a%2Fb");
        request.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()!.RawTarget = "/a%2Fb";

        Assert.Equal("GET http://h/a%2Fb", CacheKeys.Primary(request, CacheRule.Default));
    }
}
