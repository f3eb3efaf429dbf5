using System.Net;
using BenchmarkDotNet.Attributes;
using EdgeCache.AccessLog;

namespace EdgeCache.Benchmarks;

/// <summary>One access log line as a hit makes it, in each format: the work a request does when the log is on.</summary>
[MemoryDiagnoser]
public class AccessLogBenchmarks
{
    private readonly AccessLogLine _line = new(DateTimeOffset.UtcNow, IPAddress.Loopback, "GET", "www.example.com",
        "/news/2026/11/a-long-article-title?page=2", "HTTP/1.1", 200, 16_384, "https://www.example.com/news",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
        "hit", null, null, TimeSpan.FromMilliseconds(0.231), null);

    [Benchmark(Baseline = true)]
    public string Text() => AccessLogFormatter.Text(_line);

    [Benchmark]
    public string Json() => AccessLogFormatter.Json(_line);
}
