using System.Text;
using EdgeCache.Caching.Stores;
using EdgeCache.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Prometheus;

namespace EdgeCache.Tests.Metrics;

public sealed class EdgeCacheMetricsTests
{
    private readonly CollectorRegistry _registry = Prometheus.Metrics.NewCustomRegistry();
    private readonly EdgeCacheMetrics _metrics;

    public EdgeCacheMetricsTests() =>
        _metrics = new EdgeCacheMetrics(_registry, new Tiers(), new ServiceCollection().BuildServiceProvider(), NullLogger<EdgeCacheMetrics>.Instance);

    private async Task<string> ScrapeAsync()
    {
        using var stream = new MemoryStream();
        await _registry.CollectAndExportAsTextAsync(stream);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    [Fact]
    public async Task Request_TwoHitsOneMiss_CountedUnderOutcomeAndSite()
    {
        _metrics.Request("news", "hit");
        _metrics.Request("news", "hit");
        _metrics.Request("news", "miss");

        var scrape = await ScrapeAsync();

        Assert.Contains("edgecache_requests_total{outcome=\"hit\",site=\"news\"} 2\n", scrape);
        Assert.Contains("edgecache_requests_total{outcome=\"miss\",site=\"news\"} 1\n", scrape);
    }

    [Fact]
    public void Request_LabelSetSeenBefore_AllocatesNothing()
    {
        // The hit path counts every request: the child is bound once, then only found. (The bound is
        // per call: the JIT may allocate a few bytes once while it recompiles the loop.)
        const int Calls = 10_000;
        _metrics.Request("news", "hit");
        var before = GC.GetAllocatedBytesForCurrentThread();

        for (var i = 0; i < Calls; i++)
        {
            _metrics.Request("news", "hit");
        }

        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, Calls / 10);
    }

    [Fact]
    public async Task Scrape_FreshStart_PurgeKindsWarmResultsAndTiersFromZero()
    {
        var scrape = await ScrapeAsync();

        Assert.Contains("edgecache_purges_total{kind=\"url\"} 0\n", scrape);
        Assert.Contains("edgecache_purges_total{kind=\"prefix\"} 0\n", scrape);
        Assert.Contains("edgecache_purges_total{kind=\"tag\"} 0\n", scrape);
        Assert.Contains("edgecache_warm_requests_total{result=\"ok\"} 0\n", scrape);
        Assert.Contains("edgecache_warm_requests_total{result=\"error\"} 0\n", scrape);
        Assert.Contains("edgecache_coalesced_requests_total 0\n", scrape);
        Assert.Contains("edgecache_cache_entries{tier=\"memory\"} 3\n", scrape);
        Assert.Contains("edgecache_store_errors_total{tier=\"disk\"} 0\n", scrape);
        Assert.DoesNotContain("edgecache_lookups_total{tier=\"disk\"}", scrape); // the disk tier does not count lookups
    }

    [Fact]
    public async Task Scrape_TierTotalsGrow_CountersFollow()
    {
        var tiers = new Tiers();
        var registry = Prometheus.Metrics.NewCustomRegistry();
        _ = new EdgeCacheMetrics(registry, tiers, new ServiceCollection().BuildServiceProvider(), NullLogger<EdgeCacheMetrics>.Instance);
        using var first = new MemoryStream();
        await registry.CollectAndExportAsTextAsync(first);

        tiers.Lookups = 7;
        using var second = new MemoryStream();
        await registry.CollectAndExportAsTextAsync(second);

        Assert.Contains("edgecache_lookups_total{tier=\"memory\"} 0\n", Encoding.UTF8.GetString(first.ToArray()));
        Assert.Contains("edgecache_lookups_total{tier=\"memory\"} 7\n", Encoding.UTF8.GetString(second.ToArray()));
    }

    private sealed class Tiers : ITierStatisticsSource
    {
        public long Lookups { get; set; }

        public IReadOnlyList<TierStatistics> Statistics =>
        [
            new("memory", Count: 3, Bytes: 300, Evictions: 0, Corrupt: null, Lookups: Lookups),
            new("disk", Count: 3, Bytes: 300, Evictions: 0, Corrupt: 0, Lookups: null) { Errors = 0 },
        ];
    }
}
