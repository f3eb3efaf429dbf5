using EdgeCache.Rules;

namespace EdgeCache.Tests.Rules;

public sealed class RuleSetTests
{
    private static readonly RuleSet Rules = new(
    [
        new CacheRuleOptions { Name = "api", Paths = ["/api/*"], Bypass = true },
        new CacheRuleOptions { Name = "news", Hosts = ["*.example.com"], Paths = ["/news/*"] },
        new CacheRuleOptions { Name = "example", Hosts = ["*.example.com"] },
    ]);

    [Fact]
    public void Match_FirstMatchingRule_Wins() => Assert.Equal("api", Rules.Match("www.example.com", "/api/x").Name);

    [Fact]
    public void Match_HostAndPath_BothRequired() => Assert.Equal("example", Rules.Match("www.example.com", "/about").Name);

    [Fact]
    public void Match_HostCaseInsensitive() => Assert.Equal("news", Rules.Match("WWW.EXAMPLE.COM", "/news/a/b").Name);

    [Fact]
    public void Match_PathCaseSensitive() => Assert.Equal("example", Rules.Match("www.example.com", "/NEWS/a").Name);

    [Fact]
    public void Match_NothingMatches_Default() => Assert.Same(CacheRule.Default, Rules.Match("other.org", "/news/a"));

    [Theory]
    [InlineData("/news/a", "/news/a")]
    [InlineData("/news/..%2Faccount", "/account")]
    [InlineData("/news/%2E%2E%2faccount", "/account")]
    [InlineData("/news/..\\account", "/account")]
    [InlineData("/a%2Fb", "/a/b")]
    [InlineData("/a/.%2F", "/a/")]
    [InlineData("/..%2F..%2F", "/")]
    public void ResolvedPath_Table(string path, string expected) => Assert.Equal(expected, RuleSet.ResolvedPath(path));

    [Fact]
    public void Match_EncodedSlashLeavesRulePaths_NoMatch() => Assert.Same(CacheRule.Default, Rules.Match("other.org", "/news/..%2Faccount"));
}
