using EdgeCache.Degraded;
using Microsoft.AspNetCore.Http;

namespace EdgeCache.Tests.Degraded;

public sealed class ErrorPageWriterTests
{
    [Theory]
    [InlineData("/news/1", "/news/1")]
    [InlineData("//evil.example/", "/evil.example/")]
    [InlineData("////evil.example", "/evil.example")]
    [InlineData("/\\evil.example", "/%5Cevil.example")]
    [InlineData("", "/")]
    public void SiteLink_NeverLeavesTheSite(string path, string expected) =>
        Assert.Equal(expected, ErrorPageWriter.SiteLink(new PathString(path)));
}
