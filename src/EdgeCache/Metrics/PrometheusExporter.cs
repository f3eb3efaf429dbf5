using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace EdgeCache.Metrics;

/// <summary>
/// Exports System.Diagnostics.Metrics instruments in the Prometheus text format 0.0.4: EdgeCache's
/// own meter plus the runtime's (ASP.NET Core hosting, Kestrel, HttpClient, System.Runtime), and
/// the standard process_* series. Names follow the OpenTelemetry-to-Prometheus conventions: dots
/// become underscores, the unit becomes a suffix (<c>_seconds</c>, <c>_bytes</c>), counters end in
/// <c>_total</c>.
/// </summary>
internal sealed class PrometheusExporter : IDisposable
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private static readonly HashSet<string> Meters = new(StringComparer.Ordinal)
    {
        EdgeCacheMetrics.MeterName,
        "Microsoft.AspNetCore.Hosting",
        "Microsoft.AspNetCore.Server.Kestrel",
        "System.Net.Http",
        "System.Runtime",
    };

    private static readonly double[] SecondsBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
    private static readonly double[] GenericBuckets = [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<Instrument, Family> _families = new();
    private readonly Lock _scrapeLock = new();

    public PrometheusExporter(IMeterFactory meterFactory)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            // Meters from this host's factory, or process-wide ones (HttpClient, runtime): never
            // another host's in the same process.
            var scope = instrument.Meter.Scope;
            if (Meters.Contains(instrument.Meter.Name) && (scope is null || ReferenceEquals(scope, meterFactory)))
            {
                _families[instrument] = new Family(instrument);
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.MeasurementsCompleted = (instrument, _) => _families.TryRemove(instrument, out Family? _);
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<float>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<short>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<byte>((i, v, tags, _) => Record(i, v, tags));
        _listener.Start();
    }

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (_families.TryGetValue(instrument, out var family))
        {
            family.Record(value, tags);
        }
    }

    /// <summary>One scrape: observable instruments are read now, everything is written in the text format.</summary>
    public string Scrape()
    {
        lock (_scrapeLock)
        {
            foreach (var family in _families.Values)
            {
                if (family.IsObservable)
                {
                    family.Clear(); // what is not observed now (a removed destination) disappears
                }
            }
            _listener.RecordObservableInstruments();

            var output = new StringBuilder(16 * 1024);
            WriteProcessMetrics(output);
            foreach (var group in _families.Values.GroupBy(f => f.Name).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                var first = group.First();
                output.Append("# HELP ").Append(group.Key).Append(' ').Append(EscapeHelp(first.Help)).Append('\n');
                output.Append("# TYPE ").Append(group.Key).Append(' ').Append(first.Type).Append('\n');
                foreach (var family in group)
                {
                    family.Write(output);
                }
            }
            return output.ToString();
        }
    }

    public void Dispose() => _listener.Dispose();

    private static void WriteProcessMetrics(StringBuilder output)
    {
        using var process = Process.GetCurrentProcess();
        Gauge(output, "process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.", process.TotalProcessorTime.TotalSeconds);
        Gauge(output, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", process.WorkingSet64);
        Gauge(output, "process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.",
            new DateTimeOffset(process.StartTime.ToUniversalTime()).ToUnixTimeMilliseconds() / 1000.0);
        Gauge(output, "process_open_fds", "gauge", "Number of open file descriptors.", process.HandleCount);

        static void Gauge(StringBuilder output, string name, string type, string help, double value) =>
            output.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n')
                .Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n')
                .Append(name).Append(' ').Append(FormatValue(value)).Append('\n');
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
        if (IsCounter(instrument) && !name.EndsWith("_total", StringComparison.Ordinal))
        {
            name += "_total";
        }
        else if (!IsHistogram(instrument) && (name.EndsWith("_count", StringComparison.Ordinal) || name.EndsWith("_sum", StringComparison.Ordinal) || name.EndsWith("_bucket", StringComparison.Ordinal)))
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

    internal static string EscapeLabelValue(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private static string EscapeHelp(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    internal static string FormatValue(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        double.NaN => "NaN",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    private static bool IsCounter(Instrument instrument)
    {
        var type = instrument.GetType();
        return type.IsGenericType && (type.GetGenericTypeDefinition() == typeof(Counter<>) || type.GetGenericTypeDefinition() == typeof(ObservableCounter<>));
    }

    private static bool IsHistogram(Instrument instrument) =>
        instrument.GetType().IsGenericType && instrument.GetType().GetGenericTypeDefinition() == typeof(Histogram<>);

    /// <summary>The series of one instrument, keyed by their label set.</summary>
    private sealed class Family(Instrument instrument)
    {
        private readonly ConcurrentDictionary<string, Series> _series = new(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<TagValues, Series> _byValues = new();
        private readonly bool _histogram = IsHistogram(instrument);
        private readonly double[] _buckets = instrument.Unit == "s" ? SecondsBuckets : GenericBuckets;

        public string Name { get; } = MetricName(instrument);
        public string Help { get; } = instrument.Description ?? instrument.Name;
        public bool IsObservable { get; } = instrument.IsObservable;

        public string Type => _histogram ? "histogram" : IsCounter(instrument) ? "counter" : "gauge";

        // Observable instruments report the current value (gauges) or the running total (counters).
        private bool Replaces => instrument.IsObservable;

        public void Clear()
        {
            _series.Clear();
            _byValues.Clear();
        }

        public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var series = Find(tags);
            // Lock-free: every request updates the same few series from many threads.
            if (_histogram)
            {
                var i = Array.BinarySearch(_buckets, value);
                Interlocked.Increment(ref series.Buckets![i >= 0 ? i : ~i]);
                Interlocked.Increment(ref series.Count);
                AddDouble(ref series.Sum, value);
            }
            else if (Replaces)
            {
                Volatile.Write(ref series.Sum, value);
            }
            else
            {
                AddDouble(ref series.Sum, value);
            }
        }

        /// <summary>The series for these tags: found without allocating when the tag values were seen before.</summary>
        private Series Find(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            if (tags.Length <= TagValues.Capacity)
            {
                var probe = new TagValues(tags);
                if (_byValues.TryGetValue(probe, out var known))
                {
                    return known;
                }
                var series = _series.GetOrAdd(Labels(tags), static (_, buckets) => new Series(buckets), _histogram ? _buckets : null);
                _byValues.TryAdd(probe, series);
                return series;
            }
            return _series.GetOrAdd(Labels(tags), static (_, buckets) => new Series(buckets), _histogram ? _buckets : null);
        }

        private static void AddDouble(ref double target, double value)
        {
            double current, updated;
            do
            {
                current = Volatile.Read(ref target);
                updated = current + value;
            }
            while (Interlocked.CompareExchange(ref target, updated, current) != current);
        }

        public void Write(StringBuilder output)
        {
            foreach (var (labels, series) in _series.OrderBy(s => s.Key, StringComparer.Ordinal))
            {
                {
                    if (!_histogram)
                    {
                        output.Append(Name).Append(Braced(labels)).Append(' ').Append(FormatValue(series.Sum)).Append('\n');
                        continue;
                    }
                    long cumulative = 0;
                    for (var i = 0; i <= _buckets.Length; i++)
                    {
                        cumulative += series.Buckets![i];
                        var le = i < _buckets.Length ? FormatValue(_buckets[i]) : "+Inf";
                        var bucketLabels = labels.Length == 0 ? $"le=\"{le}\"" : $"{labels},le=\"{le}\"";
                        output.Append(Name).Append("_bucket{").Append(bucketLabels).Append("} ").Append(cumulative).Append('\n');
                    }
                    output.Append(Name).Append("_sum").Append(Braced(labels)).Append(' ').Append(FormatValue(series.Sum)).Append('\n');
                    output.Append(Name).Append("_count").Append(Braced(labels)).Append(' ').Append(series.Count).Append('\n');
                }
            }
        }

        private static string Braced(string labels) => labels.Length == 0 ? "" : "{" + labels + "}";

        private static string Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            if (tags.Length == 0)
            {
                return "";
            }
            var sorted = tags.ToArray();
            Array.Sort(sorted, static (a, b) => string.CompareOrdinal(a.Key, b.Key));
            var sb = new StringBuilder();
            foreach (var tag in sorted)
            {
                if (sb.Length > 0)
                {
                    sb.Append(',');
                }
                var value = Convert.ToString(tag.Value, CultureInfo.InvariantCulture) ?? "";
                sb.Append(Sanitize(tag.Key)).Append("=\"").Append(EscapeLabelValue(value)).Append('"');
            }
            return sb.ToString();
        }
    }

    private sealed class Series(double[]? buckets)
    {
        public double Sum;
        public long Count;
        public readonly long[]? Buckets = buckets is null ? null : new long[buckets.Length + 1];
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
