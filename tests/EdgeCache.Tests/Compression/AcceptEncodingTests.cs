using EdgeCache.Caching.Entries;
using EdgeCache.Compression;
using Microsoft.Extensions.Primitives;

namespace EdgeCache.Tests.Compression;

public sealed class AcceptEncodingTests
{
    private static readonly EncodedForm[] Both =
    [
        new(ContentCoding.Brotli, new byte[] { 1 }, "\"a-br\""),
        new(ContentCoding.Gzip, new byte[] { 2 }, "\"a-gzip\""),
    ];

    private static string Choose(StringValues acceptEncoding, EncodedForm[]? forms = null) =>
        AcceptEncoding.Choose(acceptEncoding, forms ?? Both)?.Name ?? "identity";

    [Theory]
    [InlineData("br", "br")]
    [InlineData("gzip", "gzip")]
    [InlineData("gzip, br", "br")]
    [InlineData("GZIP, BR", "br")]
    [InlineData("x-gzip", "gzip")]
    [InlineData("gzip, deflate, br, zstd", "br")]
    [InlineData("br;q=0.2, gzip;q=0.8", "gzip")]
    [InlineData("br;q=0, gzip", "gzip")]
    [InlineData("br ; q=0 , gzip ; q=0", "identity")]
    [InlineData("identity", "identity")]
    [InlineData("deflate", "identity")]
    [InlineData("*", "br")]
    [InlineData("*;q=0.5, br;q=0", "gzip")]
    [InlineData("gzip;q=0.5, identity", "identity")]
    [InlineData("gzip;q=0.5, identity;q=0.5", "gzip")]
    [InlineData("identity;q=0", "identity")]
    [InlineData("gzip;q=0.001", "gzip")]
    [InlineData("gzip;q=nonsense", "identity")]
    [InlineData("", "identity")]
    [InlineData(",,", "identity")]
    public void Choose_Field_PicksTheBestAcceptedForm(string field, string expected) =>
        Assert.Equal(expected, Choose(field));

    [Fact]
    public void Choose_NoField_Identity() => Assert.Equal("identity", Choose(StringValues.Empty));

    [Fact]
    public void Choose_SeveralFieldLines_ReadAsOneList() => Assert.Equal("br", Choose(new StringValues(["gzip;q=0.5", "br"])));

    [Fact]
    public void Choose_OnlyGzipStored_GzipForABrotliReaderThatAlsoTakesGzip() =>
        Assert.Equal("gzip", Choose("br, gzip", [Both[1]]));

    [Fact]
    public void Choose_NoFormsStored_Identity() => Assert.Equal("identity", Choose("br, gzip", []));

    [Fact]
    public void Choose_Hit_AllocatesNothing()
    {
        StringValues field = "gzip, deflate, br;q=0.9, *;q=0.1";
        AcceptEncoding.Choose(field, Both);
        var before = GC.GetAllocatedBytesForCurrentThread();

        for (var i = 0; i < 100; i++)
        {
            AcceptEncoding.Choose(field, Both);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
