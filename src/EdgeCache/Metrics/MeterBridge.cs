using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using Prometheus;

namespace EdgeCache.Metrics;

/// <summary>
/// The runtime's instruments (ASP.NET Core hosting, Kestrel, HttpClient, System.Runtime) as native
/// prometheus-net series in the host's registry, named by the OpenTelemetry-to-Prometheus rules:
/// dots become underscores, the unit becomes a suffix (<c>_seconds</c>, <c>_bytes</c>), counters
/// end in <c>_total</c>. It listens from the host's start, so nothing before the first scrape is lost.
/// <para>
/// Not prometheus-net's MeterAdapter: it names series <c>meter_instrument</c>, exports counters as
/// gauges without <c>_total</c> or unit suffixes, forgets a series not updated for a while (an
/// up-down counter such as <c>kestrel.active_connections</c> would start again from 0), and its
/// gauges named <c>..._count</c> (<c>dotnet.timer.count</c>) fail <c>promtool check metrics</c>.
/// </para>
/// </summary>
internal sealed class MeterBridge : IDisposable
{
    private static readonly HashSet<string> Meters = new(StringComparer.Ordinal)
    {
        "Microsoft.AspNetCore.Hosting",
        "Microsoft.AspNetCore.Server.Kestrel",
        "System.Net.Http",
        "System.Runtime",
    };

    private static readonly double[] GenericBuckets = [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<Instrument, Series> _series = new();
    private readonly MetricFactory _factory;
    private volatile bool _disposed;

    /// <param name="registry">This host's registry.</param>
    /// <param name="meterFactory">This host's meter factory: its meters are exported, another host's in the same process are not.</param>
    public MeterBridge(CollectorRegistry registry, IMeterFactory meterFactory)
    {
        _factory = Prometheus.Metrics.WithCustomRegistry(registry);
        _factory.ExemplarBehavior = ExemplarBehavior.NoExemplars();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            // Meters from this host's factory, or process-wide ones (HttpClient, runtime).
            var scope = instrument.Meter.Scope;
            if (Meters.Contains(instrument.Meter.Name) && (scope is null || ReferenceEquals(scope, meterFactory)))
            {
                _series[instrument] = new Series(instrument, _factory);
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.MeasurementsCompleted = (instrument, _) => _series.TryRemove(instrument, out Series? _);
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<float>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<short>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<byte>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<decimal>((i, v, tags, _) => Record(i, (double)v, tags));
        _listener.Start();
        registry.AddBeforeCollectCallback(() =>
        {
            // The registry cannot forget a callback: a disposed bridge just stops reading.
            if (!_disposed)
            {
                _listener.RecordObservableInstruments();
            }
        });
    }

    public void Dispose()
    {
        _disposed = true;
        _listener.Dispose();
    }

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (_series.TryGetValue(instrument, out var series))
        {
            series.Record(value, tags);
        }
    }

    /// <summary>Prometheus metric name for an instrument, per the OpenTelemetry compatibility rules.</summary>
    internal static string MetricName(Instrument instrument)
    {
        var name = Sanitize(instrument.Name);
        var suffix = instrument.Unit switch
        {
            "s" => "_seconds",
            "ms" => "_milliseconds",
            "By" => "_bytes",
            _ => "",
        };
        if (suffix.Length > 0 && !name.EndsWith(suffix, StringComparison.Ordinal))
        {
            name += suffix;
        }
        if (KindOf(instrument) is Kind.Counter or Kind.ObservableCounter)
        {
            if (!name.EndsWith("_total", StringComparison.Ordinal))
            {
                name += "_total";
            }
        }
        else if (KindOf(instrument) != Kind.Histogram && (name.EndsWith("_count", StringComparison.Ordinal) || name.EndsWith("_sum", StringComparison.Ordinal) || name.EndsWith("_bucket", StringComparison.Ordinal)))
        {
            // Those suffixes belong to histogram series in Prometheus (dotnet.timer.count is a gauge).
            name += "_value";
        }
        return name;
    }

    internal static string Sanitize(string name)
    {
        var chars = name.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            var c = chars[i];
            var ok = c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or '_' || (c is >= '0' and <= '9' && i > 0);
            chars[i] = ok ? c : '_';
        }
        return new string(chars);
    }

    private enum Kind
    {
        Counter,
        ObservableCounter,
        UpDownCounter,
        Gauge,
        Histogram,
    }

    private static Kind KindOf(Instrument instrument)
    {
        var type = instrument.GetType();
        var definition = type.IsGenericType ? type.GetGenericTypeDefinition() : type;
        return definition == typeof(Counter<>) ? Kind.Counter
            : definition == typeof(ObservableCounter<>) ? Kind.ObservableCounter
            : definition == typeof(UpDownCounter<>) ? Kind.UpDownCounter
            : definition == typeof(Histogram<>) ? Kind.Histogram
            : Kind.Gauge; // ObservableGauge, ObservableUpDownCounter, Gauge: the value is the current one
    }

    /// <summary>One instrument's series, one prometheus-net child per set of tag values.</summary>
    private sealed class Series(Instrument instrument, MetricFactory factory)
    {
        private readonly Kind _kind = KindOf(instrument);
        private readonly string _name = MetricName(instrument);
        private readonly string _help = string.IsNullOrWhiteSpace(instrument.Description) ? instrument.Name : instrument.Description;

        // Found by the tag values as given, without allocating; null where the tags cannot be labels.
        private readonly ConcurrentDictionary<TagValues, ChildBase?> _children = new();

        public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            ChildBase? child;
            if (tags.Length <= TagValues.Capacity)
            {
                var probe = new TagValues(tags);
                if (!_children.TryGetValue(probe, out child))
                {
                    child = Create(tags);
                    _children.TryAdd(probe, child);
                }
            }
            else
            {
                child = Create(tags);
            }

            switch (child)
            {
                case Prometheus.Counter.Child counter when _kind == Kind.ObservableCounter:
                    counter.IncTo(value); // the running total
                    break;
                case Prometheus.Counter.Child counter when value > 0:
                    counter.Inc(value);
                    break;
                case Prometheus.Gauge.Child gauge when _kind == Kind.UpDownCounter:
                    gauge.Inc(value);
                    break;
                case Prometheus.Gauge.Child gauge:
                    gauge.Set(value);
                    break;
                case Prometheus.Histogram.Child histogram:
                    histogram.Observe(value);
                    break;
            }
        }

        /// <summary>The child for these tags: label names sorted and sanitized, one collector per set of names in the family.</summary>
        private ChildBase? Create(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var sorted = tags.ToArray();
            Array.Sort(sorted, static (a, b) => string.CompareOrdinal(a.Key, b.Key));
            var names = sorted.Select(t => Sanitize(t.Key)).ToArray();
            var values = sorted.Select(t => Convert.ToString(t.Value, CultureInfo.InvariantCulture) ?? "").ToArray();
            try
            {
                return _kind switch
                {
                    Kind.Counter or Kind.ObservableCounter => factory.CreateCounter(_name, _help, names).WithLabels(values),
                    Kind.Histogram => factory.CreateHistogram(_name, _help, names,
                        new HistogramConfiguration { Buckets = instrument.Unit == "s" ? EdgeCacheMetrics.SecondsBuckets : GenericBuckets }).WithLabels(values),
                    _ => factory.CreateGauge(_name, _help, names).WithLabels(values),
                };
            }
            catch (Exception)
            {
                // A tag prometheus-net refuses as a label (le on a histogram, two tags sanitized alike) or a
                // name taken by another type: not exported, and never an exception in the code measuring.
                return null;
            }
        }
    }

    /// <summary>
    /// Up to eight tags (names and values, in the order given) compared by value: a key for the
    /// series lookup that costs no allocation. The values are kept as given (strings, boxed numbers).
    /// </summary>
    private readonly struct TagValues : IEquatable<TagValues>
    {
        public const int Capacity = 8;
        private readonly KeyValuePair<string, object?> _t0, _t1, _t2, _t3, _t4, _t5, _t6, _t7;
        private readonly int _count;
        private readonly int _hash;

        public TagValues(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            _count = tags.Length;
            var hash = new HashCode();
            for (var i = 0; i < tags.Length; i++)
            {
                hash.Add(tags[i].Key);
                hash.Add(tags[i].Value);
            }
            _hash = hash.ToHashCode();
            _t0 = tags.Length > 0 ? tags[0] : default;
            _t1 = tags.Length > 1 ? tags[1] : default;
            _t2 = tags.Length > 2 ? tags[2] : default;
            _t3 = tags.Length > 3 ? tags[3] : default;
            _t4 = tags.Length > 4 ? tags[4] : default;
            _t5 = tags.Length > 5 ? tags[5] : default;
            _t6 = tags.Length > 6 ? tags[6] : default;
            _t7 = tags.Length > 7 ? tags[7] : default;
        }

        public bool Equals(TagValues other) =>
            _count == other._count && _hash == other._hash
            && Same(_t0, other._t0) && Same(_t1, other._t1) && Same(_t2, other._t2) && Same(_t3, other._t3)
            && Same(_t4, other._t4) && Same(_t5, other._t5) && Same(_t6, other._t6) && Same(_t7, other._t7);

        public override bool Equals(object? obj) => obj is TagValues other && Equals(other);

        public override int GetHashCode() => _hash;

        private static bool Same(KeyValuePair<string, object?> a, KeyValuePair<string, object?> b) =>
            string.Equals(a.Key, b.Key, StringComparison.Ordinal) && Equals(a.Value, b.Value);
    }
}
