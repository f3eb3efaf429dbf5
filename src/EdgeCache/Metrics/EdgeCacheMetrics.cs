using System.Diagnostics.Metrics;
using EdgeCache.Caching.Stores;
using EdgeCache.Origin;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeCache.Metrics;

/// <summary>
/// EdgeCache's own instruments (RateLimitingMetrics style): created through <see cref="IMeterFactory"/>,
/// with units and descriptions, and an <c>Enabled</c> guard before any tag is built, so nothing is
/// allocated on the request path when nobody listens. Label values are bounded: sites are YARP
/// cluster ids from the configuration, never hosts or paths from requests.
/// </summary>
internal sealed class EdgeCacheMetrics
{
    public const string MeterName = "EdgeCache";

    private readonly Counter<long> _requests;
    private readonly Counter<long> _staleServed;
    private readonly Histogram<double> _originDuration;
    private readonly Counter<long> _coalesced;
    private readonly Counter<long> _purges;
    private readonly Counter<long> _warmRequests;

    public EdgeCacheMetrics(IMeterFactory meterFactory, ITierStatisticsSource tiers, IServiceProvider services)
    {
        var meter = meterFactory.Create(MeterName);
        _requests = meter.CreateCounter<long>("edgecache.requests", "{request}",
            "Requests by cache outcome: hit, stale (served for an origin failure), miss (fetched and stored), revalidated, bypass, uncacheable, too_large, error_page, client_abort.");
        _staleServed = meter.CreateCounter<long>("edgecache.stale_served", "{response}",
            "Stale copies served because the origin failed, by reason: origin-down, origin-error, origin-timeout, deadline.");
        _originDuration = meter.CreateHistogram<double>("edgecache.origin.request.duration", "s",
            "Duration of the cache's fetches from the origin.");
        _coalesced = meter.CreateCounter<long>("edgecache.coalesced_requests", "{request}",
            "Requests that waited on another request's origin fetch instead of making their own.");
        meter.CreateObservableCounter("edgecache.store_errors", () => Tiers(tiers, t => t.Errors),
            "{error}", "Storage tier failures, each treated as a miss or a skipped write, and persistent writes dropped from a full queue.");

        _purges = meter.CreateCounter<long>("edgecache.purges", "{purge}", "Purges by kind: url, prefix, tag.");
        _warmRequests = meter.CreateCounter<long>("edgecache.warm_requests", "{request}",
            "Warming requests by result: ok (2xx/3xx), error (any other status or no answer).");

        meter.CreateObservableGauge("edgecache.origin.up", () => Health(services).Snapshot(Proxy(services))
            .SelectMany(c => c.Destinations.Select(d => new Measurement<int>(d.Up ? 1 : 0,
                new KeyValuePair<string, object?>("cluster", c.Id), new KeyValuePair<string, object?>("destination", d.Id)))),
            null, "1 when the origin destination is up (active and passive health), 0 when down.");
        meter.CreateObservableGauge("edgecache.degraded", () => Health(services).Snapshot(Proxy(services))
            .Select(c => new Measurement<int>(c.Degraded ? 1 : 0, new KeyValuePair<string, object?>("site", c.Id))),
            null, "1 while every origin of the site is down and the edge serves from its cache.");
        meter.CreateObservableGauge("edgecache.on_backup", () => Health(services).Snapshot(Proxy(services))
            .Select(c => new Measurement<int>(c.OnBackup ? 1 : 0, new KeyValuePair<string, object?>("site", c.Id))),
            null, "1 while every primary origin of the site is down and a backup origin answers for it.");
        meter.CreateObservableGauge("edgecache.site.mode_changed", () => Health(services).Snapshot(Proxy(services))
            .Select(c => new Measurement<double>(c.Since.ToUnixTimeMilliseconds() / 1000.0,
                new KeyValuePair<string, object?>("site", c.Id), new KeyValuePair<string, object?>("mode", c.Mode.ToString().ToLowerInvariant()))),
            "s", "When the site entered its current mode (primary, backup, down), in seconds since the Unix epoch: on its backup or degraded since then.");
        meter.CreateObservableGauge("edgecache.outage_coverage_ratio", () => services.GetRequiredService<Coverage.CoverageCalculator>().Latest.Sites
            .Select(s => new Measurement<double>(s.Ratio, new KeyValuePair<string, object?>("site", s.Site))),
            null, "Share of recent cacheable request volume that has a servable copy now: what would still be served if the origin died.");
        meter.CreateObservableGauge("edgecache.cache.entries", () => Tiers(tiers, t => t.Count),
            "{entry}", "Entries held, by storage tier.");
        meter.CreateObservableGauge("edgecache.cache.bytes", () => Tiers(tiers, t => t.Bytes),
            "By", "Bytes held, by storage tier.");
        meter.CreateObservableCounter("edgecache.lookups", () => Tiers(tiers, t => t.Lookups),
            "{lookup}", "Lookups made in the tier, found or not.");
        meter.CreateObservableCounter("edgecache.evictions", () => Tiers(tiers, t => t.Evictions),
            "{entry}", "Entries evicted to stay within the tier's bound.");
        meter.CreateObservableCounter("edgecache.corrupt_entries", () => Tiers(tiers, t => t.Corrupt),
            "{entry}", "Corrupt or truncated entries found and dropped (never served).");
    }

    public void Request(string site, string outcome)
    {
        if (_requests.Enabled)
        {
            _requests.Add(1, new KeyValuePair<string, object?>("site", site), new KeyValuePair<string, object?>("outcome", outcome));
        }
    }

    public void StaleServed(string site, string reason)
    {
        if (_staleServed.Enabled)
        {
            _staleServed.Add(1, new KeyValuePair<string, object?>("site", site), new KeyValuePair<string, object?>("reason", reason));
        }
    }

    public void OriginRequest(string site, TimeSpan duration)
    {
        if (_originDuration.Enabled)
        {
            _originDuration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("site", site));
        }
    }

    public void Coalesced()
    {
        if (_coalesced.Enabled)
        {
            _coalesced.Add(1);
        }
    }

    public void WarmRequest(bool ok)
    {
        if (_warmRequests.Enabled)
        {
            _warmRequests.Add(1, new KeyValuePair<string, object?>("result", ok ? "ok" : "error"));
        }
    }

    public void Purge(string kind)
    {
        if (_purges.Enabled)
        {
            _purges.Add(1, new KeyValuePair<string, object?>("kind", kind));
        }
    }

    private static Origin.OriginHealth Health(IServiceProvider services) => services.GetRequiredService<Origin.OriginHealth>();

    private static Yarp.ReverseProxy.IProxyStateLookup Proxy(IServiceProvider services) => services.GetRequiredService<Yarp.ReverseProxy.IProxyStateLookup>();

    private static IEnumerable<Measurement<long>> Tiers(ITierStatisticsSource tiers, Func<TierStatistics, long?> pick)
    {
        foreach (var tier in tiers.Statistics)
        {
            if (pick(tier) is { } value)
            {
                yield return new Measurement<long>(value, new KeyValuePair<string, object?>("tier", tier.Tier));
            }
        }
    }
}
