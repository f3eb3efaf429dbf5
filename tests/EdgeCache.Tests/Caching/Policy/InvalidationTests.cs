using EdgeCache.Caching.Policy;
using Microsoft.AspNetCore.Http;

namespace EdgeCache.Tests.Caching.Policy;

/// <summary>RFC 9111 4.4, one rule per test.</summary>
public sealed class InvalidationTests
{
    private static readonly Uri Target = new("http://www.example.test/news/post?x=1");

    [Theory]
    [InlineData("POST", 200)]
    [InlineData("PUT", 201)]
    [InlineData("DELETE", 204)]
    [InlineData("PATCH", 303)]
    [InlineData("MKCOL", 399)]
    public void UnsafeMethod_2xxOr3xx_Invalidates(string method, int status) => Assert.True(Invalidation.Invalidates(method, status));

    [Theory]
    [InlineData(100)]
    [InlineData(400)]
    [InlineData(404)]
    [InlineData(500)]
    [InlineData(503)]
    public void UnsafeMethod_ErrorOrInterim_InvalidatesNothing(int status) => Assert.False(Invalidation.Invalidates("POST", status));

    [Theory]
    [InlineData("GET")]
    [InlineData("HEAD")]
    [InlineData("OPTIONS")]
    [InlineData("TRACE")]
    [InlineData("get")]
    public void SafeMethod_InvalidatesNothing(string method) => Assert.False(Invalidation.Invalidates(method, 200));

    [Fact]
    public void LocationAndContentLocation_SameOrigin_BothReturned()
    {
        var headers = new HeaderDictionary { ["Location"] = "/news/a", ["Content-Location"] = "http://WWW.example.test/news/b" };

        var uris = Invalidation.RelatedUris(Target, headers).Select(u => u.AbsoluteUri).ToArray();

        Assert.Equal(["http://www.example.test/news/a", "http://www.example.test/news/b"], uris);
    }

    [Fact]
    public void RelativeLocation_ResolvedAgainstTheTarget() =>
        Assert.Equal("http://www.example.test/news/a",
            Assert.Single(Invalidation.RelatedUris(Target, new HeaderDictionary { ["Location"] = "a" })).AbsoluteUri);

    [Theory]
    [InlineData("http://other.example/news/a")]
    [InlineData("//other.example/news/a")]
    [InlineData("https://www.example.test/news/a")]
    [InlineData("http://www.example.test:8080/news/a")]
    public void AnotherOrigin_NotReturned(string location) =>
        Assert.Empty(Invalidation.RelatedUris(Target, new HeaderDictionary { ["Location"] = location }));

    [Fact]
    public void TheTargetItself_NotReturnedTwice() =>
        Assert.Empty(Invalidation.RelatedUris(Target, new HeaderDictionary { ["Content-Location"] = "/news/post?x=1" }));

    [Theory]
    [InlineData("")]
    [InlineData("http://[bad")]
    public void UnusableValue_Ignored(string location) =>
        Assert.Empty(Invalidation.RelatedUris(Target, new HeaderDictionary { ["Location"] = location }));
}
