using EdgeCache.Caching.Entries;
using EdgeCache.Compression;
using Microsoft.AspNetCore.Http;

namespace EdgeCache.Tests.Compression;

public sealed class CompressionPolicyTests
{
    private static string? Skip(int status = 200, int length = 4096, CompressionOptions? options = null, params (string Name, string Value)[] fields)
    {
        var headers = new HeaderDictionary { ["Content-Type"] = "text/html; charset=utf-8" };
        foreach (var (name, value) in fields)
        {
            headers[name] = value;
        }
        return CompressionPolicy.SkipReason(status, headers, length, options ?? new CompressionOptions());
    }

    [Fact]
    public void SkipReason_HtmlPage_Compressed() => Assert.Null(Skip());

    [Fact]
    public void SkipReason_Disabled_Disabled() => Assert.Equal("disabled", Skip(options: new CompressionOptions { Enabled = false }));

    [Fact]
    public void SkipReason_NotA200_Status() => Assert.Equal("status", Skip(status: 404));

    [Fact]
    public void SkipReason_BelowMinBytes_Small() => Assert.Equal("small", Skip(length: 1023));

    [Fact]
    public void SkipReason_OriginEncoded_Encoded() => Assert.Equal("encoded", Skip(fields: ("Content-Encoding", "gzip")));

    [Fact]
    public void SkipReason_IdentityEncoding_Compressed() => Assert.Null(Skip(fields: ("Content-Encoding", "identity")));

    [Fact]
    public void SkipReason_NoTransform_NoTransform() =>
        Assert.Equal("no-transform", Skip(fields: ("Cache-Control", "public, max-age=60, no-transform")));

    [Theory]
    [InlineData("image/png", false)]
    [InlineData("application/octet-stream", false)]
    [InlineData("", false)]
    [InlineData("text/css", true)]
    [InlineData("TEXT/HTML;charset=utf-8", true)]
    [InlineData("application/ld+json", true)]
    [InlineData("application/atom+xml; charset=utf-8", true)]
    [InlineData("image/svg+xml", true)]
    public void IsCompressibleType_DefaultList(string contentType, bool expected) =>
        Assert.Equal(expected, CompressionPolicy.IsCompressibleType(contentType, CompressionOptions.DefaultTypes));

    [Fact]
    public void IsCompressibleType_ConfiguredList_ReplacesTheDefaults() =>
        Assert.False(CompressionPolicy.IsCompressibleType("text/html", ["text/css"]));

    [Theory]
    [InlineData("\"v1\"", "\"v1-br\"")]
    [InlineData("W/\"v1\"", "W/\"v1-br\"")]
    [InlineData("v1", null)]
    [InlineData(null, null)]
    public void DeriveETag_EncodedForm_DistinctValidator(string? etag, string? expected) =>
        Assert.Equal(expected, EncodedForm.DeriveETag(etag, ContentCoding.Brotli));
}
