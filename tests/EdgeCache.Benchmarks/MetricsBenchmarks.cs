using System.Diagnostics;
using System.Diagnostics.Metrics;
using BenchmarkDotNet.Attributes;
using EdgeCache.Caching.Stores;
using EdgeCache.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Prometheus;

namespace EdgeCache.Benchmarks;

/// <summary>
/// What the metrics cost every request while /metrics is exported: the hit counted by outcome, and
/// ASP.NET Core's per-request instruments (active requests up and down, the request duration).
/// </summary>
[MemoryDiagnoser]
public class MetricsBenchmarks
{
    private ServiceProvider _services = null!;
    private EdgeCacheMetrics _metrics = null!;
    private MeterBridge _bridge = null!;
    private UpDownCounter<long> _activeRequests = null!;
    private System.Diagnostics.Metrics.Histogram<double> _requestDuration = null!;

    [GlobalSetup]
    public void Setup()
    {
        _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meterFactory = _services.GetRequiredService<IMeterFactory>();
        var registry = Prometheus.Metrics.NewCustomRegistry();
        _bridge = new MeterBridge(registry, meterFactory);
        _metrics = new EdgeCacheMetrics(registry, new NoTiers(), _services, NullLogger<EdgeCacheMetrics>.Instance);
        var hosting = meterFactory.Create("Microsoft.AspNetCore.Hosting");
        _activeRequests = hosting.CreateUpDownCounter<long>("http.server.active_requests", "{request}");
        _requestDuration = hosting.CreateHistogram<double>("http.server.request.duration", "s");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _bridge.Dispose();
        _services.Dispose();
    }

    [Benchmark]
    public void CountHit() => _metrics.Request("origin", "hit");

    /// <summary>The measurements ASP.NET Core's hosting meter makes for one request, with its tags.</summary>
    [Benchmark]
    public void HostingInstrumentsPerRequest()
    {
        var active = new TagList { { "url.scheme", "http" }, { "http.request.method", "GET" } };
        _activeRequests.Add(1, active);
        _activeRequests.Add(-1, active);
        _requestDuration.Record(0.0003, new TagList
        {
            { "url.scheme", "http" }, { "http.request.method", "GET" }, { "network.protocol.version", "1.1" },
            { "http.response.status_code", 200 },
        });
    }

    private sealed class NoTiers : ITierStatisticsSource
    {
        public IReadOnlyList<TierStatistics> Statistics => [];
    }
}
