using BenchmarkDotNet.Attributes;
using EdgeCache.Caching;
using EdgeCache.Caching.Entries;
using EdgeCache.Caching.Keys;
using EdgeCache.Caching.Policy;
using EdgeCache.Caching.Stores;
using EdgeCache.Rules;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace EdgeCache.Benchmarks;

/// <summary>
/// The hit path's pieces, with allocations: building the key, deciding freshness, and writing a
/// stored 16 KB page to a response. The hit must not allocate anything that grows with the body.
/// </summary>
[MemoryDiagnoser]
public class HotPathBenchmarks
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);
    private readonly CacheRule _rule = new("news", new CacheRuleOptions { IgnoreQueryParameters = ["utm_*"], SortQueryParameters = true });
    private DefaultHttpContext _request = null!;
    private CacheEntry _entry = null!;
    private CacheEntry _bigEntry = null!;
    private CacheEntry _encodedEntry = null!;
    private HeaderDictionary _responseHeaders = null!;
    private MemoryStore _memory = null!;

    [GlobalSetup]
    public void Setup()
    {
        _request = Context("/news/2026/11/a-long-article-title?utm_source=x&page=2");
        _entry = Entry(16 * 1024);
        _bigEntry = Entry(1024 * 1024);
        var page = CompressionBenchmarks.Page(16 * 1024);
        _encodedEntry = Entry(0) with
        {
            Body = page,
            Encodings =
            [
                new EncodedForm(ContentCoding.Brotli, EdgeCache.Compression.StoreCompressor.Brotli(page, 5)!, "\"abc-br\""),
                new EncodedForm(ContentCoding.Gzip, EdgeCache.Compression.StoreCompressor.Gzip(page, 6, page.Length)!, "\"abc-gzip\""),
            ],
        };
        _memory = new MemoryStore(new MemoryStoreOptions { MaxBytes = 1 << 26 });
        _memory.SetAsync(_entry with { Key = CacheKeys.Primary(_request.Request, CacheRule.Default) }, default).AsTask().Wait();
        _responseHeaders = new HeaderDictionary
        {
            ["Date"] = HeaderUtilities.FormatDate(Now),
            ["Cache-Control"] = "public, max-age=60, stale-while-revalidate=30, stale-if-error=86400",
            ["ETag"] = "\"abc\"",
            ["Last-Modified"] = HeaderUtilities.FormatDate(Now.AddDays(-1)),
        };
    }

    [Benchmark]
    public string PrimaryKey() => CacheKeys.Primary(_request.Request, CacheRule.Default);

    [Benchmark]
    public string PrimaryKeyWithQueryRule() => CacheKeys.Primary(_request.Request, _rule);

    /// <summary>What the hit fast path does to find its entry: the key spelt on the stack, looked up without a string.</summary>
    [Benchmark]
    public bool MemoryTierLookup()
    {
        var key = new KeyBuilder(stackalloc char[256]);
        CacheKeys.WritePrimary(ref key, _request.Request, CacheRule.Default);
        var found = _memory.TryGet(key.Span, out _);
        key.Dispose();
        return found;
    }

    [Benchmark]
    public bool ClassifyEntry() => CachePolicy.Classify(_entry, Now.AddSeconds(30)) == Freshness.Fresh;

    [Benchmark]
    public bool EvaluateResponse() =>
        CachePolicy.EvaluateResponse(200, _responseHeaders, RequestCredentials.None, CacheRule.Default, new CacheOptions(), Now, Now).Storable;

    [Benchmark]
    public Task WriteHit16KB() => Write(_entry);

    [Benchmark]
    public Task WriteHit1MB() => Write(_bigEntry);

    /// <summary>A 16 KB page stored with its compressed forms, for a browser that takes Brotli: the form is chosen, not made.</summary>
    [Benchmark]
    public Task WriteHit16KBBrotli() => Write(_encodedEntry, "gzip, deflate, br, zstd");

    private static Task Write(CacheEntry entry, string? acceptEncoding = null)
    {
        var context = Context("/a");
        if (acceptEncoding is not null)
        {
            context.Request.Headers.AcceptEncoding = acceptEncoding;
        }
        return CachedResponseWriter.WriteAsync(context, entry, Now.AddSeconds(10), CacheStatus.Hit(TimeSpan.FromSeconds(50)));
    }

    private static DefaultHttpContext Context(string pathAndQuery)
    {
        var context = new DefaultHttpContext();
        var split = pathAndQuery.IndexOf('?');
        context.Request.Method = "GET";
        context.Request.Scheme = "https";
        context.Request.Host = new HostString("www.example.com");
        context.Request.Path = split < 0 ? pathAndQuery : pathAndQuery[..split];
        context.Request.QueryString = split < 0 ? QueryString.Empty : new QueryString(pathAndQuery[split..]);
        context.Response.Body = Stream.Null;
        return context;
    }

    private static CacheEntry Entry(int bodyBytes) => new()
    {
        Key = "GET https://www.example.com/a",
        StatusCode = 200,
        Headers =
        [
            new("Content-Type", ["text/html; charset=utf-8"]),
            new("Cache-Control", ["public, max-age=60"]),
            new("ETag", ["\"abc\""]),
            new("Date", [HeaderUtilities.FormatDate(Now)]),
        ],
        Body = new byte[bodyBytes],
        ResponseTime = Now,
        FreshnessLifetime = TimeSpan.FromSeconds(60),
    };
}
