using System.Collections.Concurrent;
using EdgeCache.Caching.Policy;
using EdgeCache.Caching.Stores;
using EdgeCache.Coverage;
using EdgeCache.Diagnostics;
using EdgeCache.Origin;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace EdgeCache.Metrics;

/// <summary>
/// EdgeCache's own series: native prometheus-net collectors in the host's own registry (several
/// nodes share a process in the tests, and each node's <c>/metrics</c> counts only its own work).
/// Native rather than System.Diagnostics.Metrics instruments behind prometheus-net's MeterAdapter
/// (STYLE.md's <c>IMeterFactory</c> habit): the adapter would export counters as gauges without
/// <c>_total</c>, drop the unit suffixes and rename every series the README documents.
/// <para>
/// Counting stays cheap on the request path: each label set's child is bound once and kept here
/// (prometheus-net's <c>WithLabels</c> rents a buffer and takes a lock on every call), so a hit is
/// one dictionary probe and an interlocked add, without allocation; exemplars are off.
/// </para>
/// <para>
/// Every documented series exists from the first scrape: the label sets known up front (each
/// site's outcomes and stale reasons, purge kinds, warming results) start at zero, and the state
/// series (origin health, coverage, tiers) are read just before each scrape. Label values are
/// bounded: sites are YARP cluster ids from the configuration, never hosts or paths from requests.
/// </para>
/// </summary>
internal sealed partial class EdgeCacheMetrics
{
    /// <summary>Buckets for durations in seconds: from a memory hit to an origin at its timeout.</summary>
    internal static readonly double[] SecondsBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

    private static readonly string[] Outcomes = [.. Enum.GetValues<CacheOutcome>().Select(o => o.Label())];
    private static readonly string[] StaleReasons = ["origin-down", "origin-error", "origin-timeout", "deadline"];
    private static readonly string[] PurgeKinds = [.. Enum.GetValues<PurgeKind>().Select(k => k.ToString().ToLowerInvariant())];

    private readonly ITierStatisticsSource _tiers;
    private readonly IServiceProvider _services;
    private readonly ILogger _logger;
    private readonly Lock _observeLock = new();

    // Label names in alphabetical order: the order they are written in.
    private readonly Counter _requests;
    private readonly Counter _staleServed;
    private readonly Histogram _originDuration;
    private readonly Counter _coalesced;
    private readonly Counter _purges;
    private readonly Counter _invalidations;
    private readonly Counter.Child _warmOk;
    private readonly Counter.Child _warmError;
    private readonly Gauge _originUp;
    private readonly Gauge _degraded;
    private readonly Gauge _onBackup;
    private readonly Gauge _modeChanged;
    private readonly Gauge _coverage;
    private readonly Gauge _entries;
    private readonly Gauge _bytes;
    private readonly Counter _lookups;
    private readonly Counter _evictions;
    private readonly Counter _corrupt;
    private readonly Counter _storeErrors;
    private readonly Gauge _tierUp;

    private readonly ConcurrentDictionary<(string Outcome, string Site), Counter.Child> _requestsBound = new();
    private readonly ConcurrentDictionary<(string Reason, string Site), Counter.Child> _staleServedBound = new();
    private readonly ConcurrentDictionary<string, Histogram.Child> _originDurationBound = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Counter.Child> _purgesBound = new(StringComparer.Ordinal);

    public EdgeCacheMetrics(CollectorRegistry registry, ITierStatisticsSource tiers, IServiceProvider services, ILogger<EdgeCacheMetrics> logger)
    {
        _tiers = tiers;
        _services = services;
        _logger = logger;
        var factory = Prometheus.Metrics.WithCustomRegistry(registry);
        factory.ExemplarBehavior = ExemplarBehavior.NoExemplars();

        _requests = factory.CreateCounter("edgecache_requests_total",
            "Requests by cache outcome: hit, stale (served for an origin failure), miss (fetched and stored), revalidated, bypass, uncacheable, too_large, error_page, client_abort.",
            "outcome", "site");
        _staleServed = factory.CreateCounter("edgecache_stale_served_total",
            "Stale copies served because the origin failed, by reason: origin-down, origin-error, origin-timeout, deadline.", "reason", "site");
        _originDuration = factory.CreateHistogram("edgecache_origin_request_duration_seconds", "Duration of the cache's fetches from the origin.",
            ["site"], new HistogramConfiguration { Buckets = SecondsBuckets });
        _coalesced = factory.CreateCounter("edgecache_coalesced_requests_total",
            "Requests that waited on another request's origin fetch instead of making their own.");
        _storeErrors = factory.CreateCounter("edgecache_store_errors_total",
            "Storage tier failures, each treated as a miss or a skipped write, and persistent writes dropped from a full queue.", "tier");
        _purges = factory.CreateCounter("edgecache_purges_total", "Purges by kind: url, prefix, tag.", "kind");
        _invalidations = factory.CreateCounter("edgecache_invalidations_total",
            "URLs invalidated (marked stale on every tier) by a successful unsafe request: its target, Location, Content-Location.");
        var warm = factory.CreateCounter("edgecache_warm_requests_total",
            "Warming requests by result: ok (2xx/3xx), error (any other status or no answer).", "result");
        _warmOk = warm.WithLabels("ok");
        _warmError = warm.WithLabels("error");

        _originUp = factory.CreateGauge("edgecache_origin_up",
            "1 when the origin destination is up (active and passive health), 0 when down.", "cluster", "destination");
        _degraded = factory.CreateGauge("edgecache_degraded",
            "1 while every origin of the site is down and the edge serves from its cache.", "site");
        _onBackup = factory.CreateGauge("edgecache_on_backup",
            "1 while every primary origin of the site is down and a backup origin answers for it.", "site");
        _modeChanged = factory.CreateGauge("edgecache_site_mode_changed_seconds",
            "When the site entered its current mode (primary, backup, down), in seconds since the Unix epoch: on its backup or degraded since then.",
            "mode", "site");
        _coverage = factory.CreateGauge("edgecache_outage_coverage_ratio",
            "Share of recent cacheable request volume that has a servable copy now: what would still be served if the origin died.", "site");
        _entries = factory.CreateGauge("edgecache_cache_entries", "Entries held, by storage tier.", "tier");
        _bytes = factory.CreateGauge("edgecache_cache_bytes", "Bytes held, by storage tier.", "tier");
        _lookups = factory.CreateCounter("edgecache_lookups_total", "Lookups made in the tier, found or not.", "tier");
        _evictions = factory.CreateCounter("edgecache_evictions_total", "Entries evicted to stay within the tier's bound.", "tier");
        _tierUp = factory.CreateGauge("edgecache_tier_up",
            "1 while the persistent tier is in use, 0 while it is disconnected or skipped by its circuit breaker (Redis not answering).", "tier");
        _corrupt = factory.CreateCounter("edgecache_corrupt_entries_total", "Corrupt or truncated entries found and dropped (never served).", "tier");

        foreach (var kind in PurgeKinds)
        {
            Bound(_purgesBound, _purges, kind);
        }
        registry.AddBeforeCollectCallback(Observe);
    }

    public void Request(string site, string outcome) => Bound(_requestsBound, _requests, outcome, site).Inc();

    public void StaleServed(string site, string reason) => Bound(_staleServedBound, _staleServed, reason, site).Inc();

    public void OriginRequest(string site, TimeSpan duration) => Bound(_originDurationBound, _originDuration, site).Observe(duration.TotalSeconds);

    public void Coalesced() => _coalesced.Inc();

    public void WarmRequest(bool ok) => (ok ? _warmOk : _warmError).Inc();

    public void Purge(string kind) => Bound(_purgesBound, _purges, kind).Inc();

    public void Invalidation() => _invalidations.Inc();

    private static TChild Bound<TChild>(ConcurrentDictionary<(string, string), TChild> bound, Collector<TChild> collector, string first, string second)
        where TChild : ChildBase =>
        bound.GetOrAdd((first, second), static (labels, collector) => collector.WithLabels(labels.Item1, labels.Item2), collector);

    private static TChild Bound<TChild>(ConcurrentDictionary<string, TChild> bound, Collector<TChild> collector, string label)
        where TChild : ChildBase =>
        bound.GetOrAdd(label, static (label, collector) => collector.WithLabels(label), collector);

    /// <summary>Every series of a site, at zero until something happens.</summary>
    private void AddSite(string site)
    {
        foreach (var outcome in Outcomes)
        {
            Bound(_requestsBound, _requests, outcome, site);
        }
        foreach (var reason in StaleReasons)
        {
            Bound(_staleServedBound, _staleServed, reason, site);
        }
        Bound(_originDurationBound, _originDuration, site);
    }

    /// <summary>Before each scrape: the state series read now, and the sites the configuration has now.</summary>
    private void Observe()
    {
        // prometheus-net swallows a callback's exception without a word: log it, and let the other
        // areas report (the failed one keeps its previous values).
        lock (_observeLock)
        {
            Read("origin health", ObserveHealth);
            Read("outage coverage", ObserveCoverage);
            Read("storage tiers", ObserveTiers);
        }
    }

    private void Read(string area, Action observe)
    {
        try
        {
            observe();
        }
        catch (Exception e)
        {
            LogReadFailed(_logger, area, e);
        }
    }

    private void ObserveHealth()
    {
        var sites = _services.GetRequiredService<OriginHealth>().Snapshot(_services.GetRequiredService<Yarp.ReverseProxy.IProxyStateLookup>());
        foreach (var site in sites)
        {
            AddSite(site.Id);
        }
        SetExactly(_originUp, sites.SelectMany(s => s.Destinations.Select(d => (new[] { s.Id, d.Id }, d.Up ? 1.0 : 0))));
        SetExactly(_degraded, sites.Select(s => (new[] { s.Id }, s.Degraded ? 1.0 : 0)));
        SetExactly(_onBackup, sites.Select(s => (new[] { s.Id }, s.OnBackup ? 1.0 : 0)));
        SetExactly(_modeChanged, sites.Select(s => (new[] { s.Mode.ToString().ToLowerInvariant(), s.Id }, s.Since.ToUnixTimeMilliseconds() / 1000.0)));
    }

    private void ObserveCoverage()
    {
        // A site without recent cacheable traffic has nothing to lose: 1, as the calculator counts it.
        var measured = _services.GetRequiredService<CoverageCalculator>().Latest.Sites.ToDictionary(s => s.Site, s => s.Ratio, StringComparer.Ordinal);
        var sites = _services.GetRequiredService<Yarp.ReverseProxy.IProxyStateLookup>().GetClusters().Select(c => c.ClusterId);
        SetExactly(_coverage, sites.Union(measured.Keys, StringComparer.Ordinal).Select(site => (new[] { site }, measured.GetValueOrDefault(site, 1.0))));
    }

    private void ObserveTiers()
    {
        foreach (var tier in _tiers.Statistics)
        {
            Set(_entries, tier.Tier, tier.Count);
            Set(_bytes, tier.Tier, tier.Bytes);
            RaiseTo(_lookups, tier.Tier, tier.Lookups);
            RaiseTo(_evictions, tier.Tier, tier.Evictions);
            RaiseTo(_corrupt, tier.Tier, tier.Corrupt);
            RaiseTo(_storeErrors, tier.Tier, tier.Errors);
            if (tier.Up is { } up)
            {
                _tierUp.WithLabels(tier.Tier).Set(up ? 1 : 0);
            }
        }

        // null where the tier cannot tell (Redis keeps its own counts): no series rather than a false 0.
        static void Set(Gauge gauge, string tier, long? value)
        {
            if (value is { } known)
            {
                gauge.WithLabels(tier).Set(known);
            }
        }

        static void RaiseTo(Counter counter, string tier, long? total)
        {
            if (total is { } known)
            {
                counter.WithLabels(tier).IncTo(known);
            }
        }
    }

    /// <summary>The gauge holds exactly these series: a label set not observed now (a removed destination, a site's previous mode) goes.</summary>
    private static void SetExactly(Gauge gauge, IEnumerable<(string[] Labels, double Value)> observed)
    {
        var current = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (labels, value) in observed)
        {
            gauge.WithLabels(labels).Set(value);
            current.Add(string.Join('\0', labels));
        }
        foreach (var labels in gauge.GetAllLabelValues().ToList())
        {
            if (!current.Contains(string.Join('\0', labels)))
            {
                gauge.RemoveLabelled(labels);
            }
        }
    }

    [LoggerMessage(EventId = EventIds.MetricsReadFailed, EventName = nameof(EventIds.MetricsReadFailed), Level = LogLevel.Warning,
        Message = "Reading {Area} for the metrics failed; those series keep their previous values")]
    private static partial void LogReadFailed(ILogger logger, string area, Exception exception);
}
