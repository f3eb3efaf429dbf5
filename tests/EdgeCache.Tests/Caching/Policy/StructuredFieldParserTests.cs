using EdgeCache.Caching.Policy;

namespace EdgeCache.Tests.Caching.Policy;

public sealed class StructuredFieldParserTests
{
    private static StructuredItem Member(string field, string key) =>
        StructuredFieldParser.ParseDictionary(field)!.Single(m => m.Key == key).Value;

    [Fact]
    public void ParseDictionary_BareKeys_BooleanTrue()
    {
        var members = StructuredFieldParser.ParseDictionary("no-store, must-revalidate")!;

        Assert.Equal(["no-store", "must-revalidate"], members.Select(m => m.Key));
        Assert.All(members, m => Assert.True(m.Value.IsTrue));
    }

    [Fact]
    public void ParseDictionary_Integer_Long() =>
        Assert.Equal(new StructuredItem(StructuredType.Integer, 60L), Member("max-age=60", "max-age"));

    [Fact]
    public void ParseDictionary_NegativeInteger_Long() =>
        Assert.Equal(new StructuredItem(StructuredType.Integer, -5L), Member("max-age=-5", "max-age"));

    [Fact]
    public void ParseDictionary_Decimal_Decimal() =>
        Assert.Equal(new StructuredItem(StructuredType.Decimal, 1.5m), Member("max-age=1.5", "max-age"));

    [Fact]
    public void ParseDictionary_StringWithEscapes_Unescaped() =>
        Assert.Equal(new StructuredItem(StructuredType.String, "a\"b\\c"), Member("private=\"a\\\"b\\\\c\"", "private"));

    [Fact]
    public void ParseDictionary_Token_Token() =>
        Assert.Equal(new StructuredItem(StructuredType.Token, "Set-Cookie"), Member("no-cache=Set-Cookie", "no-cache"));

    [Fact]
    public void ParseDictionary_ByteSequence_Decoded()
    {
        var item = Member("k=:aGVsbG8=:", "k");

        Assert.Equal(StructuredType.ByteSequence, item.Type);
        Assert.Equal("hello"u8.ToArray(), (byte[])item.Value);
    }

    [Fact]
    public void ParseDictionary_BooleanFalse_NotTrue()
    {
        var item = Member("no-store=?0", "no-store");

        Assert.Equal(StructuredType.Boolean, item.Type);
        Assert.False(item.IsTrue);
    }

    [Fact]
    public void ParseDictionary_InnerListWithParameters_Items()
    {
        var item = Member("private=(\"set-cookie\" x-foo);a=1, max-age=5", "private");

        Assert.Equal(StructuredType.InnerList, item.Type);
        Assert.Equal(2, ((StructuredItem[])item.Value).Length);
    }

    [Fact]
    public void ParseDictionary_ParametersOnMembers_Ignored()
    {
        var members = StructuredFieldParser.ParseDictionary("max-age=60;foo=bar;baz, no-cache;x=?1")!;

        Assert.Equal(new StructuredItem(StructuredType.Integer, 60L), members[0].Value);
        Assert.True(members[1].Value.IsTrue);
    }

    [Fact]
    public void ParseDictionary_DuplicateKey_LastValueWins()
    {
        var members = StructuredFieldParser.ParseDictionary("max-age=60, public, max-age=10")!;

        Assert.Equal(["max-age", "public"], members.Select(m => m.Key));
        Assert.Equal(10L, members[0].Value.Value);
    }

    [Fact]
    public void ParseDictionary_WhitespaceAroundCommas_Allowed() =>
        Assert.Equal(3, StructuredFieldParser.ParseDictionary("  a=1 ,\tb ,c=?1  ")!.Count);

    [Theory]
    [InlineData("Max-Age=60")]            // keys are lower case
    [InlineData("max-age=60,")]           // trailing comma
    [InlineData("max-age=60,,public")]    // empty member
    [InlineData(",max-age=60")]
    [InlineData("max-age = 60")]          // no space around '='
    [InlineData("max-age=60 public")]     // members separated by a comma only
    [InlineData("max-age=")]              // no value
    [InlineData("max-age=\"60")]          // unterminated string
    [InlineData("private=\"a\\x\"")]       // only \" and \\ escapes
    [InlineData("max-age=1.")]            // decimal without fraction
    [InlineData("max-age=1.2345")]        // more than three fractional digits
    [InlineData("max-age=1234567890123456")] // more than fifteen digits
    [InlineData("max-age=-")]
    [InlineData("k=?2")]
    [InlineData("k=:not base64!:")]
    [InlineData("k=(a b")]                // unterminated inner list
    [InlineData("k=(a,b)")]
    [InlineData("k=@12")]                 // RFC 9651 dates are not RFC 8941
    [InlineData("1abc=2")]                // key starts with a digit
    [InlineData("max-age=60;Foo=1")]      // parameter key upper case
    [InlineData("\tmax-age=60")]          // leading HTAB (only SP is discarded)
    [InlineData("max-age=60, café")]      // not ASCII
    public void ParseDictionary_Invalid_Null(string field) =>
        Assert.Null(StructuredFieldParser.ParseDictionary(field));

    [Fact]
    public void ParseDictionary_StarKey_Allowed() =>
        Assert.Single(StructuredFieldParser.ParseDictionary("*x.y_z-1*=1")!);

    [Fact]
    public void ParseDictionary_LargestInteger_Allowed() =>
        Assert.Equal(999_999_999_999_999L, Member("k=999999999999999", "k").Value);

    [Theory]
    [InlineData("CDN-Cache-Control", true)]
    [InlineData("EdgeCache-Cache-Control", true)]
    [InlineData("Bad Name", false)]
    [InlineData("Bad:Name", false)]
    [InlineData("", false)]
    public void IsToken_FieldNames(string name, bool expected) =>
        Assert.Equal(expected, StructuredFieldParser.IsToken(name));

    /// <summary>A hostile origin's field of tens of thousands of distinct keys: linear, not quadratic (it took over a second).</summary>
    [Fact]
    public void ParseDictionary_ManyDistinctKeys_LinearTime()
    {
        var field = string.Join(", ", Enumerable.Range(0, 16_000).Select(i => "k" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var watch = System.Diagnostics.Stopwatch.StartNew();

        var members = StructuredFieldParser.ParseDictionary(field);

        Assert.Equal(16_000, members!.Count);
        Assert.Equal("k15999", members[^1].Key);
        Assert.True(watch.Elapsed < TimeSpan.FromMilliseconds(250), $"took {watch.Elapsed}");
    }

    [Fact]
    public void ParseDictionary_DuplicateKey_LastValueInFirstPlace()
    {
        var members = StructuredFieldParser.ParseDictionary("a=1, b=2, a=3")!;

        Assert.Equal(["a", "b"], members.Select(m => m.Key));
        Assert.Equal(3L, members[0].Value.Value);
    }
}
