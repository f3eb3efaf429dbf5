using EdgeCache.Rules;

namespace EdgeCache.Tests.Rules;

/// <summary>The glob semantics README's "Publisher rules" promises.</summary>
public sealed class GlobTests
{
    [Theory]
    [InlineData("/news/*", "/news/2026/11/a", true)]   // * crosses /
    [InlineData("/news/*", "/news/", true)]            // * matches an empty run
    [InlineData("/news/*", "/news", false)]
    [InlineData("/news/*/amp", "/news/a/b/amp", true)]
    [InlineData("/news/*/amp", "/news/a/b/amp/x", false)]
    [InlineData("/a?c", "/abc", true)]                 // ? is one character
    [InlineData("/a?c", "/ac", false)]
    [InlineData("/a?c", "/abbc", false)]
    [InlineData("/news/a.html", "/news/aXhtml", false)] // no other metacharacters
    [InlineData("/news/[a]", "/news/[a]", true)]
    [InlineData("/NEWS/*", "/news/a", false)]           // paths are case-sensitive
    [InlineData(@"a\b", @"a\b", true)]                  // a backslash is an ordinary character
    [InlineData(@"a\*", @"a\xyz", true)]
    [InlineData(@"a\*", "a*", false)]
    public void IsMatch_Path(string pattern, string value, bool expected) =>
        Assert.Equal(expected, new Glob(pattern, ignoreCase: false).IsMatch(value));

    [Theory]
    [InlineData("*.example.com", "WWW.Example.COM", true)] // hosts are case-insensitive
    [InlineData("*.example.com", "example.com", false)]
    [InlineData("*.example.com", "www.example.com.evil.net", false)]
    [InlineData("www.example.com", "www.example.com", true)]
    public void IsMatch_Host(string pattern, string value, bool expected) =>
        Assert.Equal(expected, new Glob(pattern, ignoreCase: true).IsMatch(value));

    [Theory]
    [InlineData("*", true)]
    [InlineData("**", true)]
    [InlineData("", true)]
    [InlineData("utm_*", false)]
    [InlineData("?", false)]
    public void IsMatch_EmptyValue_OnlyStarsMatch(string pattern, bool expected) =>
        Assert.Equal(expected, new Glob(pattern, ignoreCase: false).IsMatch(""));
}
