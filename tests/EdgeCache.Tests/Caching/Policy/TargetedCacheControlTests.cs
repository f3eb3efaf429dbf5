using EdgeCache.Caching.Policy;
using Microsoft.AspNetCore.Http;

namespace EdgeCache.Tests.Caching.Policy;

public sealed class TargetedCacheControlTests
{
    private static CacheControl? Select(params (string Name, string Value)[] headers)
    {
        var dictionary = new HeaderDictionary();
        foreach (var (name, value) in headers)
        {
            dictionary.Append(name, value);
        }
        return TargetedCacheControl.Select(dictionary, TargetedCacheControl.DefaultFields);
    }

    [Fact]
    public void Select_NoTargetedField_Null() =>
        Assert.Null(Select(("Cache-Control", "max-age=60")));

    [Fact]
    public void Select_CdnCacheControl_Read()
    {
        var cc = Select(("CDN-Cache-Control", "max-age=60"))!.Value;

        Assert.True(cc.Targeted);
        Assert.Equal(TimeSpan.FromSeconds(60), cc.MaxAge.ValidValue);
    }

    [Fact]
    public void Select_EdgeCacheFieldBeforeCdnField_EdgeCacheWins() =>
        Assert.Equal(TimeSpan.FromSeconds(5), Select(("CDN-Cache-Control", "max-age=60"), ("EdgeCache-Cache-Control", "max-age=5"))!.Value.MaxAge.ValidValue);

    [Fact]
    public void Select_InvalidFirstField_NextFieldUsed() =>
        Assert.Equal(TimeSpan.FromSeconds(60), Select(("EdgeCache-Cache-Control", "max-age=5,"), ("CDN-Cache-Control", "max-age=60"))!.Value.MaxAge.ValidValue);

    [Fact]
    public void Select_OnlyInvalidField_Null() =>
        Assert.Null(Select(("CDN-Cache-Control", "max-age=\"60")));

    [Fact]
    public void Select_EmptyField_Null() =>
        Assert.Null(Select(("CDN-Cache-Control", "")));

    [Fact]
    public void Select_SeveralLines_Combined()
    {
        var cc = Select(("CDN-Cache-Control", "max-age=60"), ("CDN-Cache-Control", "must-revalidate"))!.Value;

        Assert.Equal(TimeSpan.FromSeconds(60), cc.MaxAge.ValidValue);
        Assert.True(cc.MustRevalidate);
    }

    [Fact]
    public void Select_ConfiguredList_OnlyListedFieldsRead()
    {
        var headers = new HeaderDictionary { ["CDN-Cache-Control"] = "max-age=60", ["Acme-Cache-Control"] = "max-age=7" };

        Assert.Equal(TimeSpan.FromSeconds(7), TargetedCacheControl.Select(headers, ["Acme-Cache-Control"])!.Value.MaxAge.ValidValue);
        Assert.Null(TargetedCacheControl.Select(headers, []));
    }

    [Theory]
    [InlineData("max-age=\"60\"")]   // a String
    [InlineData("max-age=60.0")]     // a Decimal
    [InlineData("max-age=-1")]       // negative
    [InlineData("max-age=sixty")]    // a Token
    [InlineData("max-age")]          // Boolean true
    public void FromDictionary_MaxAgeOfWrongType_Ignored(string field) =>
        Assert.False(Select(("CDN-Cache-Control", field + ", public"))!.Value.MaxAge.Present);

    [Theory]
    [InlineData("no-store=?0")]
    [InlineData("no-store=1")]
    [InlineData("no-store=\"yes\"")]
    public void FromDictionary_NoStoreNotBooleanTrue_Ignored(string field) =>
        Assert.False(Select(("CDN-Cache-Control", field + ", public"))!.Value.NoStore);

    [Fact]
    public void FromDictionary_NoStoreTrue_Read() =>
        Assert.True(Select(("CDN-Cache-Control", "no-store=?1"))!.Value.NoStore);

    [Theory]
    [InlineData("private")]
    [InlineData("private=\"set-cookie\"")]
    [InlineData("private=(\"set-cookie\" \"x-user\")")]
    [InlineData("private=set-cookie")]
    public void FromDictionary_PrivateWithAnyValue_Present(string field) =>
        Assert.True(Select(("CDN-Cache-Control", field))!.Value.Private);

    [Theory]
    [InlineData("no-cache", true)]
    [InlineData("no-cache=\"set-cookie\"", true)]
    [InlineData("no-cache=(\"set-cookie\")", true)]
    [InlineData("no-cache=5", false)]
    public void FromDictionary_NoCache_BooleanOrFieldNames(string field, bool expected) =>
        Assert.Equal(expected, Select(("CDN-Cache-Control", field + ", public"))!.Value.NoCache);

    [Fact]
    public void FromDictionary_AllDirectives_Read()
    {
        var cc = Select(("CDN-Cache-Control",
            "public, s-maxage=30, max-age=60, must-revalidate, proxy-revalidate, stale-while-revalidate=10, stale-if-error=600, must-understand"))!.Value;

        Assert.True(cc.Public && cc.MustRevalidate && cc.ProxyRevalidate && cc.MustUnderstand);
        Assert.Equal(TimeSpan.FromSeconds(30), cc.SharedMaxAge.ValidValue);
        Assert.Equal(TimeSpan.FromSeconds(10), cc.StaleWhileRevalidate.ValidValue);
        Assert.Equal(TimeSpan.FromSeconds(600), cc.StaleIfError.ValidValue);
    }

    [Fact]
    public void FromDictionary_ParametersOnDirectives_Ignored() =>
        Assert.Equal(TimeSpan.FromSeconds(60), Select(("CDN-Cache-Control", "max-age=60;unit=s"))!.Value.MaxAge.ValidValue);

    [Theory]
    [InlineData("maxage=60")]          // misspelt
    [InlineData("max-age=\"60\"")]     // only a directive of the wrong type
    [InlineData("cache=forever")]
    public void Select_FieldWithNoDirectiveKnown_TakenAsAbsent(string field) =>
        Assert.Null(Select(("CDN-Cache-Control", field)));
}
