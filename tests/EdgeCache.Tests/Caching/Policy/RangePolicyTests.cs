using EdgeCache.Caching.Entries;
using EdgeCache.Caching.Policy;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace EdgeCache.Tests.Caching.Policy;

public sealed class RangePolicyTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);
    private static readonly string LastModified = HeaderUtilities.FormatDate(Now.AddDays(-1));

    private static CacheEntry Entry(int status = 200, int length = 100, string? etag = "\"v1\"", string? date = null,
        params (string Name, string Value)[] headers) => new()
    {
        Key = "k",
        StatusCode = status,
        Body = new byte[length],
        ResponseTime = Now,
        ETag = etag,
        LastModified = LastModified,
        Headers =
        [
            new(HeaderNames.Date, [date ?? HeaderUtilities.FormatDate(Now)]),
            new(HeaderNames.LastModified, [LastModified]),
            .. headers.Select(h => new KeyValuePair<string, string[]>(h.Name, [h.Value])),
        ],
    };

    private static RangeDecision Decide(CacheEntry entry, string range, string? ifRange = null, string method = "GET")
    {
        var headers = new HeaderDictionary { [HeaderNames.Range] = range };
        if (ifRange is not null)
        {
            headers[HeaderNames.IfRange] = ifRange;
        }
        return RangePolicy.Decide(method, entry, headers);
    }

    private static RangeDecision Partial(long start, long length) => new(RangeOutcome.Partial, start, length);

    [Fact]
    public void Parse_FirstAndLast_ThoseBytes() => Assert.Equal(Partial(10, 11), RangePolicy.Parse("bytes=10-20", 100));

    [Fact]
    public void Parse_LastPastEnd_CutToTheEnd() => Assert.Equal(Partial(90, 10), RangePolicy.Parse("bytes=90-500", 100));

    [Fact]
    public void Parse_OpenEnded_ToTheEnd() => Assert.Equal(Partial(40, 60), RangePolicy.Parse("bytes=40-", 100));

    [Fact]
    public void Parse_Suffix_LastBytes() => Assert.Equal(Partial(75, 25), RangePolicy.Parse("bytes=-25", 100));

    [Fact]
    public void Parse_SuffixLongerThanBody_WholeBodyAsRange() => Assert.Equal(Partial(0, 100), RangePolicy.Parse("bytes=-1000", 100));

    [Fact]
    public void Parse_UnitCaseInsensitive_Served() => Assert.Equal(Partial(0, 1), RangePolicy.Parse("Bytes=0-0", 100));

    [Fact]
    public void Parse_LastByte_OneByte() => Assert.Equal(Partial(99, 1), RangePolicy.Parse("bytes=99-99", 100));

    [Fact]
    public void Parse_FirstAtLength_NotSatisfiable() => Assert.Equal(RangeDecision.NotSatisfiable, RangePolicy.Parse("bytes=100-", 100));

    [Fact]
    public void Parse_FirstPastLength_NotSatisfiable() => Assert.Equal(RangeDecision.NotSatisfiable, RangePolicy.Parse("bytes=500-600", 100));

    [Fact]
    public void Parse_ZeroSuffix_NotSatisfiable() => Assert.Equal(RangeDecision.NotSatisfiable, RangePolicy.Parse("bytes=-0", 100));

    [Fact]
    public void Parse_AnyRangeOfEmptyBody_NotSatisfiable() => Assert.Equal(RangeDecision.NotSatisfiable, RangePolicy.Parse("bytes=0-", 0));

    [Fact]
    public void Parse_SuffixOfEmptyBody_Full() => Assert.Equal(RangeDecision.Full, RangePolicy.Parse("bytes=-5", 0));

    [Fact]
    public void Parse_HugeFirstPosition_NotSatisfiable() =>
        Assert.Equal(RangeDecision.NotSatisfiable, RangePolicy.Parse("bytes=99999999999999999999999-", 100));

    [Theory]
    [InlineData("bytes=20-10")] // last before first
    [InlineData("bytes=abc")]
    [InlineData("bytes=1-x")]
    [InlineData("bytes=-")]
    [InlineData("bytes=+1-2")]
    [InlineData("bytes=")]
    [InlineData("bytes 0-10")]
    [InlineData("0-10")]
    public void Parse_Invalid_Full(string range) => Assert.Equal(RangeDecision.Full, RangePolicy.Parse(range, 100));

    [Fact]
    public void Parse_OtherUnit_Full() => Assert.Equal(RangeDecision.Full, RangePolicy.Parse("items=0-10", 100));

    [Fact]
    public void Parse_SeveralRanges_Full() => Assert.Equal(RangeDecision.Full, RangePolicy.Parse("bytes=0-10,20-30", 100));

    [Fact]
    public void Parse_SeveralRangeFields_Full() => Assert.Equal(RangeDecision.Full, RangePolicy.Parse(new[] { "bytes=0-10", "bytes=20-30" }, 100));

    [Fact]
    public void Decide_Get_Partial() => Assert.Equal(Partial(0, 10), Decide(Entry(), "bytes=0-9"));

    [Fact]
    public void Decide_Head_RangeIgnored() => Assert.Equal(RangeDecision.Full, Decide(Entry(), "bytes=0-9", method: "HEAD"));

    [Fact]
    public void Decide_OtherMethod_Full() => Assert.Equal(RangeDecision.Full, Decide(Entry(), "bytes=0-9", method: "POST"));

    [Fact]
    public void Decide_NoRange_Full() => Assert.Equal(RangeDecision.Full, RangePolicy.Decide("GET", Entry(), new HeaderDictionary()));

    [Fact]
    public void Decide_StoredNot200_Full() => Assert.Equal(RangeDecision.Full, Decide(Entry(status: 404), "bytes=0-9"));

    [Fact]
    public void Decide_OriginSaidAcceptRangesNone_Full() =>
        Assert.Equal(RangeDecision.Full, Decide(Entry(headers: ("Accept-Ranges", "none")), "bytes=0-9"));

    [Fact]
    public void Decide_OriginSaidAcceptRangesBytes_Partial() =>
        Assert.Equal(Partial(0, 10), Decide(Entry(headers: ("Accept-Ranges", "bytes")), "bytes=0-9"));

    [Fact]
    public void Decide_IfRangeStrongETagMatches_Partial() => Assert.Equal(Partial(0, 10), Decide(Entry(), "bytes=0-9", ifRange: "\"v1\""));

    [Fact]
    public void Decide_IfRangeETagDiffers_Full() => Assert.Equal(RangeDecision.Full, Decide(Entry(), "bytes=0-9", ifRange: "\"v2\""));

    [Fact]
    public void Decide_IfRangeWeakETag_Full() => Assert.Equal(RangeDecision.Full, Decide(Entry(), "bytes=0-9", ifRange: "W/\"v1\""));

    [Fact]
    public void Decide_IfRangeStoredETagWeak_Full() => Assert.Equal(RangeDecision.Full, Decide(Entry(etag: "W/\"v1\""), "bytes=0-9", ifRange: "\"v1\""));

    [Fact]
    public void Decide_IfRangeETagButNoneStored_Full() => Assert.Equal(RangeDecision.Full, Decide(Entry(etag: null), "bytes=0-9", ifRange: "\"v1\""));

    [Fact]
    public void Decide_IfRangeNotSatisfiableButMismatch_Full() => Assert.Equal(RangeDecision.Full, Decide(Entry(), "bytes=500-", ifRange: "\"v2\""));

    [Fact]
    public void Decide_IfRangeDateEqualsStrongLastModified_Partial() => Assert.Equal(Partial(0, 10), Decide(Entry(), "bytes=0-9", ifRange: LastModified));

    [Fact]
    public void Decide_IfRangeDateLaterThanLastModified_Full() =>
        Assert.Equal(RangeDecision.Full, Decide(Entry(), "bytes=0-9", ifRange: HeaderUtilities.FormatDate(Now)));

    [Fact]
    public void Decide_IfRangeDateButLastModifiedWeak_Full() =>
        // Date less than a second after Last-Modified: the page may have changed within that second (RFC 9110 8.8.2.2).
        Assert.Equal(RangeDecision.Full, Decide(Entry(date: LastModified), "bytes=0-9", ifRange: LastModified));

    [Fact]
    public void Decide_IfRangeUnparsable_Full() => Assert.Equal(RangeDecision.Full, Decide(Entry(), "bytes=0-9", ifRange: "yesterday"));

    [Theory]
    [InlineData(null, true)]
    [InlineData("bytes", true)]
    [InlineData("none", false)]
    [InlineData("items, Bytes", true)]
    public void AdvertisesBytes_OriginValue_Honoured(string? value, bool expected) => Assert.Equal(expected, RangePolicy.AdvertisesBytes(value));
}
