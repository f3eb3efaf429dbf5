using System.IO.Compression;
using System.Text;
using EdgeCache.Caching.Entries;
using EdgeCache.Compression;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace EdgeCache.Tests.Compression;

public sealed class StoreCompressorTests
{
    private static readonly byte[] Html = Encoding.UTF8.GetBytes(
        "<html><body>" + string.Concat(Enumerable.Range(0, 100).Select(i => $"<p>line {i}</p>")) + "</body></html>");

    private static CacheEntry Entry(byte[] body) => new()
    {
        Key = "GET http://e.com/a",
        StatusCode = 200,
        Headers = [new("Content-Type", ["text/html"])],
        Body = body,
        ETag = "\"v1\"",
    };

    private static StoreCompressor Compressor(CompressionOptions? options = null) =>
        new(new StaticOptionsMonitor(options ?? new CompressionOptions()));

    private static HeaderDictionary HtmlHeaders() => new() { ["Content-Type"] = "text/html" };

    [Fact]
    public void Compress_HtmlPage_BrotliThenGzipEachDecodingToTheBody()
    {
        var entry = Compressor().Compress(Entry(Html), HtmlHeaders());

        Assert.Equal([ContentCoding.Brotli, ContentCoding.Gzip], entry.Encodings.Select(form => form.Coding));
        Assert.Equal(Html, Decode(new BrotliStream(new MemoryStream(entry.Encodings[0].Body.ToArray()), CompressionMode.Decompress)));
        Assert.Equal(Html, Decode(new GZipStream(new MemoryStream(entry.Encodings[1].Body.ToArray()), CompressionMode.Decompress)));
        Assert.Equal(["\"v1-br\"", "\"v1-gzip\""], entry.Encodings.Select(form => form.ETag));
        Assert.Equal("\"v1\"", entry.ETag);
    }

    [Theory]
    [InlineData(1024, 11)]
    [InlineData(16_384, 15)]
    [InlineData(16_368, 14)]
    [InlineData(16_369, 15)]
    [InlineData(8 * 1024 * 1024, 24)]
    public void Compress_BrotliForm_NamesTheSmallestWindowHoldingThePage(int length, int expectedBits)
    {
        var page = new byte[length];
        for (var i = 0; i < page.Length; i++)
        {
            page[i] = Html[i % Html.Length];
        }

        var entry = Compressor().Compress(Entry(page), HtmlHeaders());

        var brotli = entry.Encodings[0].Body.ToArray();
        Assert.Equal(expectedBits, BrotliWindowBits(brotli));
        Assert.True((1 << expectedBits) - 16 >= length, "the window holds the whole page");
        Assert.Equal(page, Decode(new BrotliStream(new MemoryStream(brotli), CompressionMode.Decompress)));
    }

    /// <summary>WBITS from a Brotli stream header (RFC 7932 9.1), read least significant bit first.</summary>
    private static int BrotliWindowBits(byte[] stream)
    {
        var bits = stream[0] | (stream[1] << 8);
        if ((bits & 1) == 0)
        {
            return 16;
        }
        var n = (bits >> 1) & 7;
        if (n != 0)
        {
            return 17 + n;
        }
        var m = (bits >> 4) & 7;
        return m == 0 ? 17 : 8 + m;
    }

    [Fact]
    public void Compress_IncompressibleBody_NoFormKept()
    {
        var noise = new byte[4096];
        new Random(18).NextBytes(noise);

        var entry = Compressor().Compress(Entry(noise), HtmlHeaders());

        Assert.Empty(entry.Encodings);
    }

    [Fact]
    public void Compress_Skipped_EntryUnchanged()
    {
        var original = Entry(Html);

        var entry = Compressor(new CompressionOptions { Enabled = false }).Compress(original, HtmlHeaders());

        Assert.Same(original, entry);
    }

    [Fact]
    public void Size_EncodedForms_CountedWithTheBody()
    {
        var entry = Compressor().Compress(Entry(Html), HtmlHeaders());

        Assert.True(entry.Size >= Html.Length + entry.Encodings.Sum(form => form.Body.Length));
        Assert.True(entry.Size > (entry with { Encodings = [] }).Size);
    }

    private static byte[] Decode(Stream decoder)
    {
        using (decoder)
        {
            using var result = new MemoryStream();
            decoder.CopyTo(result);
            return result.ToArray();
        }
    }

    private sealed class StaticOptionsMonitor(CompressionOptions value) : IOptionsMonitor<CompressionOptions>
    {
        public CompressionOptions CurrentValue => value;
        public CompressionOptions Get(string? name) => value;
        public IDisposable? OnChange(Action<CompressionOptions, string?> listener) => null;
    }
}
