using EdgeCache.Caching.Policy;

namespace EdgeCache.Tests.Caching.Policy;

public sealed class CacheControlTests
{
    [Fact]
    public void Parse_DirectivesAcrossLines_AllRead()
    {
        var cc = CacheControl.Parse(new(["public, max-age=60", "s-maxage=120, stale-if-error=600"]));

        Assert.True(cc.Public);
        Assert.Equal(TimeSpan.FromSeconds(60), cc.MaxAge.ValidValue);
        Assert.Equal(TimeSpan.FromSeconds(120), cc.SharedMaxAge.ValidValue);
        Assert.Equal(TimeSpan.FromSeconds(600), cc.StaleIfError.ValidValue);
    }

    [Fact]
    public void Parse_UpperCaseAndQuotedValue_Understood()
    {
        var cc = CacheControl.Parse("MAX-AGE=\"30\", No-Cache=\"Set-Cookie, X-Foo\", Private");

        Assert.Equal(TimeSpan.FromSeconds(30), cc.MaxAge.ValidValue);
        Assert.True(cc.NoCache);
        Assert.True(cc.Private);
    }

    [Theory]
    [InlineData("max-age=abc")]
    [InlineData("max-age=-5")]
    [InlineData("max-age=")]
    [InlineData("max-age")]
    public void Parse_InvalidMaxAge_PresentButInvalid(string value)
    {
        var cc = CacheControl.Parse(value);

        Assert.True(cc.MaxAge.Present);
        Assert.False(cc.MaxAge.Valid);
    }

    [Fact]
    public void Parse_DuplicateDirective_FirstWins()
    {
        var cc = CacheControl.Parse("max-age=10, max-age=99999");

        Assert.Equal(TimeSpan.FromSeconds(10), cc.MaxAge.ValidValue);
    }

    [Fact]
    public void Parse_HugeValue_ClampedNotThrown()
    {
        var cc = CacheControl.Parse("max-age=99999999999999999999999");

        Assert.Equal(TimeSpan.FromSeconds(int.MaxValue), cc.MaxAge.ValidValue);
    }

    [Fact]
    public void Parse_Garbage_NoDirectivesNoException()
    {
        var cc = CacheControl.Parse(",,;;==\"unterminated");

        Assert.Equal(default, cc);
    }
}
