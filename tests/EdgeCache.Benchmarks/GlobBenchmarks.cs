using System.IO.Enumeration;
using BenchmarkDotNet.Attributes;
using EdgeCache.Rules;

namespace EdgeCache.Benchmarks;

/// <summary>
/// Rule globs as every request meets them (a host, a path, query parameter names): EdgeCache's
/// <see cref="Glob"/> (a compiled regular expression) against the base library's
/// <see cref="FileSystemName.MatchesSimpleExpression"/>, which gives <c>*</c> and <c>?</c> the same meaning.
/// </summary>
[MemoryDiagnoser]
public class GlobBenchmarks
{
    [Params("*.example.com", "/news/*", "/news/*/amp", "utm_*")]
    public string Pattern { get; set; } = "";

    private Glob _glob = null!;
    private bool _ignoreCase;
    private string[] _values = [];

    [GlobalSetup]
    public void Setup()
    {
        _ignoreCase = Pattern.EndsWith(".com", StringComparison.Ordinal);
        _glob = new Glob(Pattern, _ignoreCase);
        _values = Pattern switch
        {
            "*.example.com" => ["www.example.com", "static.example.net"],
            "utm_*" => ["utm_source", "page"],
            _ => ["/news/2026/11/a-long-article-title/amp", "/sport/2026/11/another-article"],
        };
    }

    [Benchmark(Baseline = true)]
    public int GlobRegex()
    {
        var matches = 0;
        foreach (var value in _values)
        {
            matches += _glob.IsMatch(value) ? 1 : 0;
        }
        return matches;
    }

    [Benchmark]
    public int FileSystemNameSimpleExpression()
    {
        var matches = 0;
        foreach (var value in _values)
        {
            matches += FileSystemName.MatchesSimpleExpression(Pattern, value, _ignoreCase) ? 1 : 0;
        }
        return matches;
    }
}
