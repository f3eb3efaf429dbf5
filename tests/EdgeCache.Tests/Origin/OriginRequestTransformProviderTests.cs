using EdgeCache.Origin;

namespace EdgeCache.Tests.Origin;

public sealed class OriginRequestTransformProviderTests
{
    [Theory]
    [InlineData("X-Original-URL", true)]
    [InlineData("x-original-url", true)]
    [InlineData("X_Original_URL", true)]
    [InlineData("X-Original_URL", true)]
    [InlineData("X_HTTP_METHOD_OVERRIDE", true)]
    [InlineData("X-Forwarded-For", false)]
    [InlineData("X-Forwarded-Proto", false)]
    [InlineData("X-Original-URLs", false)]
    [InlineData("Accept", false)]
    public void IsRoutingOverride_Table(string name, bool expected) =>
        Assert.Equal(expected, OriginRequestTransformProvider.IsRoutingOverride(name));
}
