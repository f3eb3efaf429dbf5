using System.Text;
using BenchmarkDotNet.Attributes;
using EdgeCache.Caching.Entries;
using EdgeCache.Compression;
using Microsoft.Extensions.Primitives;

namespace EdgeCache.Benchmarks;

/// <summary>
/// Compression at the edge: the one-off work of storing a 16 KB HTML page at each level (the
/// compressed size is printed once per level at setup), and the per-hit choice of a form from a
/// browser's <c>Accept-Encoding</c>, which must not allocate.
/// </summary>
[MemoryDiagnoser]
public class CompressionBenchmarks
{
    private static readonly EncodedForm[] Forms =
    [
        new(ContentCoding.Brotli, new byte[] { 1 }, "\"a-br\""),
        new(ContentCoding.Gzip, new byte[] { 2 }, "\"a-gzip\""),
    ];
    private static readonly StringValues BrowserField = "gzip, deflate, br, zstd";
    private byte[] _page = [];

    [Params(1, 4, 5, 6, 7, 9, 11)]
    public int Level { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _page = Page(16 * 1024);
        var br = StoreCompressor.Brotli(_page, Level)?.Length;
        var gzip = Level <= 9 ? StoreCompressor.Gzip(_page, Level, _page.Length)?.Length : null;
        Console.WriteLine($"// level {Level}: identity {_page.Length} B, br {br} B, gzip {gzip?.ToString() ?? "-"} B");
    }

    [Benchmark]
    public int Brotli16KB() => StoreCompressor.Brotli(_page, Level)?.Length ?? 0;

    [Benchmark]
    public int Gzip16KB() => Level <= 9 ? StoreCompressor.Gzip(_page, Level, _page.Length)?.Length ?? 0 : 0;

    [Benchmark]
    public bool ChooseForBrowser() => AcceptEncoding.Choose(BrowserField, Forms) is not null;

    /// <summary>An article-like page: markup around words drawn from a fixed vocabulary, deterministically.</summary>
    internal static byte[] Page(int length)
    {
        string[] words = ["the", "council", "said", "on", "Tuesday", "that", "new", "housing", "plans", "would", "be", "published",
            "after", "consultation", "with", "residents", "transport", "school", "budget", "river", "bridge", "market", "weather", "report"];
        var random = new Random(18);
        var html = new StringBuilder("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>News</title>"
            + "<link rel=\"stylesheet\" href=\"/static/site.css\"></head><body><header class=\"site-header\"><nav><a href=\"/\">Home</a></nav></header><main>");
        while (html.Length < length - 40)
        {
            html.Append("<p class=\"para\">");
            for (var i = 0; i < 40; i++)
            {
                html.Append(words[random.Next(words.Length)]).Append(' ');
            }
            html.Append("</p>\n");
        }
        html.Append("</main></body></html>");
        return Encoding.UTF8.GetBytes(html.ToString());
    }
}
