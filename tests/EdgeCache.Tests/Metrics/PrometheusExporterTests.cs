using System.Diagnostics.Metrics;
using EdgeCache.Metrics;

namespace EdgeCache.Tests.Metrics;

public sealed class PrometheusExporterTests
{
    private static Instrument Counter(string name, string? unit = null) => new Meter("t").CreateCounter<long>(name, unit);

    [Fact]
    public void MetricName_CounterWithDots_UnderscoresAndTotal() =>
        Assert.Equal("edgecache_requests_total", PrometheusExporter.MetricName(Counter("edgecache.requests", "{request}")));

    [Fact]
    public void MetricName_SecondsHistogram_UnitSuffix() =>
        Assert.Equal("http_server_request_duration_seconds",
            PrometheusExporter.MetricName(new Meter("t").CreateHistogram<double>("http.server.request.duration", "s")));

    [Fact]
    public void MetricName_BytesGaugeAlreadyNamedBytes_NoDoubleSuffix() =>
        Assert.Equal("edgecache_cache_bytes", PrometheusExporter.MetricName(new Meter("t").CreateObservableGauge("edgecache.cache.bytes", () => 1L, "By")));

    [Fact]
    public void MetricName_GaugeEndingInCount_NotMistakenForHistogramSeries() =>
        Assert.Equal("dotnet_timer_count_value", PrometheusExporter.MetricName(new Meter("t").CreateObservableGauge("dotnet.timer.count", () => 1L)));

    [Fact]
    public void EscapeLabelValue_QuotesBackslashesNewlines() =>
        Assert.Equal("a\\\"b\\\\c\\nd", PrometheusExporter.EscapeLabelValue("a\"b\\c\nd"));

    [Theory]
    [InlineData(double.PositiveInfinity, "+Inf")]
    [InlineData(double.NaN, "NaN")]
    [InlineData(0.25, "0.25")]
    [InlineData(3.0, "3")]
    public void FormatValue_PrometheusSpelling(double value, string expected) =>
        Assert.Equal(expected, PrometheusExporter.FormatValue(value));
}
