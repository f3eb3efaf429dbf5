using EdgeCache.Caching.Keys;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace EdgeCache.Tests.Caching.Keys;

public sealed class RequestTargetTests
{
    private static HttpRequest Request(string rawTarget, string decodedPath)
    {
        var context = new DefaultHttpContext();
        context.Request.Path = decodedPath;
        context.Features.Get<IHttpRequestFeature>()!.RawTarget = rawTarget;
        return context.Request;
    }

    [Theory]
    [InlineData("/a%2Fb?x=1", "/a%2Fb", "/a%2Fb")]
    [InlineData("/x%zz", "/x%zz", "/x%zz")]
    [InlineData("/caf%c3%a9", "/café", "/caf%c3%a9")]
    [InlineData("http://h/a%252Fb?x", "/a%2Fb", "/a%252Fb")]
    public void Path_RawTargetWithoutDotSegments_TheRequestsOwnBytes(string raw, string decoded, string expected) =>
        Assert.Equal(expected, RequestTarget.Path(Request(raw, decoded)).ToString());

    [Theory]
    [InlineData("/a/../b", "/b", "/b")]
    [InlineData("/a/%2e%2E/b", "/b", "/b")]
    [InlineData("*", "/", "/")]
    public void Path_ServerNormalisedTarget_DecodedPathEscaped(string raw, string decoded, string expected) =>
        Assert.Equal(expected, RequestTarget.Path(Request(raw, decoded)).ToString());

    [Theory]
    [InlineData("/a/./b", true)]
    [InlineData("/a/..", true)]
    [InlineData("/%2E/b", true)]
    [InlineData("/.%2e/b", true)]
    [InlineData("/a.b/c..d/...", false)]
    [InlineData("/a%2Fb", false)]
    [InlineData("/", false)]
    public void HasDotSegment_Table(string path, bool expected) =>
        Assert.Equal(expected, RequestTarget.HasDotSegment(path));
}
