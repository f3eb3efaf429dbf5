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
