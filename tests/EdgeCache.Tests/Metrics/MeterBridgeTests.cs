using System.Diagnostics.Metrics;
using System.Text;
using EdgeCache.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Prometheus;

namespace EdgeCache.Tests.Metrics;

public sealed class MeterBridgeTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly List<IDisposable> _bridges = [];

    public void Dispose()
    {
        _bridges.ForEach(b => b.Dispose());
        _services.Dispose();
    }

    private IMeterFactory MeterFactory => _services.GetRequiredService<IMeterFactory>();

    /// <summary>A host's registry with a bridge listening to <paramref name="meterFactory"/>.</summary>
    private CollectorRegistry Bridged(IMeterFactory meterFactory)
    {
        var registry = Prometheus.Metrics.NewCustomRegistry();
        _bridges.Add(new MeterBridge(registry, meterFactory));
        return registry;
    }

    private static async Task<string> ScrapeAsync(CollectorRegistry registry)
    {
        using var stream = new MemoryStream();
        await registry.CollectAndExportAsTextAsync(stream);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static Instrument Counter(string name, string? unit = null) => new Meter("t").CreateCounter<long>(name, unit);

    [Fact]
    public void MetricName_CounterWithDots_UnderscoresAndTotal() =>
        Assert.Equal("edgecache_requests_total", MeterBridge.MetricName(Counter("edgecache.requests", "{request}")));

    [Fact]
    public void MetricName_SecondsHistogram_UnitSuffix() =>
        Assert.Equal("http_server_request_duration_seconds",
            MeterBridge.MetricName(new Meter("t").CreateHistogram<double>("http.server.request.duration", "s")));

    [Fact]
    public void MetricName_BytesGaugeAlreadyNamedBytes_NoDoubleSuffix() =>
        Assert.Equal("edgecache_cache_bytes", MeterBridge.MetricName(new Meter("t").CreateObservableGauge("edgecache.cache.bytes", () => 1L, "By")));

    [Fact]
    public void MetricName_GaugeEndingInCount_NotMistakenForHistogramSeries() =>
        Assert.Equal("dotnet_timer_count_value", MeterBridge.MetricName(new Meter("t").CreateObservableGauge("dotnet.timer.count", () => 1L)));

    [Fact]
    public async Task Scrape_CounterAddedBeforeTheFirstScrape_CountedAsCounterWithTotal()
    {
        var registry = Bridged(MeterFactory);
        var counter = MeterFactory.Create("Microsoft.AspNetCore.Hosting").CreateCounter<long>("test.requests");

        counter.Add(2, new KeyValuePair<string, object?>("http.request.method", "GET"));
        counter.Add(1, new KeyValuePair<string, object?>("http.request.method", "GET"));
        var scrape = await ScrapeAsync(registry);

        Assert.Contains("# TYPE test_requests_total counter\n", scrape);
        Assert.Contains("test_requests_total{http_request_method=\"GET\"} 3\n", scrape);
    }

    [Fact]
    public async Task Scrape_UpDownCounter_GaugeOfTheSum()
    {
        var registry = Bridged(MeterFactory);
        var active = MeterFactory.Create("Microsoft.AspNetCore.Server.Kestrel").CreateUpDownCounter<long>("test.active_connections");

        active.Add(1);
        active.Add(1);
        active.Add(-1);
        var scrape = await ScrapeAsync(registry);

        Assert.Contains("# TYPE test_active_connections gauge\n", scrape);
        Assert.Contains("test_active_connections 1\n", scrape);
    }

    [Fact]
    public async Task Scrape_TwoHostsInOneProcess_EachRegistryHasOnlyItsOwnHostsMeasurements()
    {
        using var otherServices = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var otherFactory = otherServices.GetRequiredService<IMeterFactory>();
        var mine = Bridged(MeterFactory);
        var theirs = Bridged(otherFactory);

        MeterFactory.Create("Microsoft.AspNetCore.Hosting").CreateHistogram<double>("test.duration", "s").Record(0.5);
        var other = otherFactory.Create("Microsoft.AspNetCore.Hosting").CreateHistogram<double>("test.duration", "s");
        other.Record(0.5);
        other.Record(0.5);

        Assert.Contains("test_duration_seconds_count 1\n", await ScrapeAsync(mine));
        Assert.Contains("test_duration_seconds_count 2\n", await ScrapeAsync(theirs));
    }

    [Fact]
    public async Task Scrape_MeterNotExported_Absent()
    {
        var registry = Bridged(MeterFactory);

        MeterFactory.Create("Some.Library").CreateCounter<long>("test.unrelated").Add(1);

        Assert.DoesNotContain("test_unrelated", await ScrapeAsync(registry));
    }
}
