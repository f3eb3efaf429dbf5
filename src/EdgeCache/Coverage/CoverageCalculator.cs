using EdgeCache.Caching.Entries;
using EdgeCache.Caching.Policy;
using EdgeCache.Caching.Stores;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using EdgeCache.Diagnostics;

namespace EdgeCache.Coverage;

/// <summary>
/// "If the origin died now, X% of recent traffic would still be served": the share of the recent
/// request volume whose key has a servable copy now (fresh, or within its stale-if-error window).
/// Recomputed every <see cref="CoverageOptions.Interval"/> in the background; readers of the figure
/// never wait on the stores.
/// </summary>
internal sealed partial class CoverageCalculator : BackgroundService
{
    private readonly TrafficTracker _traffic;
    private readonly TieredStore _store;
    private readonly IOptionsMonitor<CoverageOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private volatile CoverageReport _latest = CoverageReport.Empty;

    public CoverageCalculator(TrafficTracker traffic, TieredStore store, IOptionsMonitor<CoverageOptions> options, TimeProvider time,
        ILogger<CoverageCalculator> logger)
    {
        _traffic = traffic;
        _store = store;
        _options = options;
        _time = time;
        _logger = logger;
    }

    public sealed record SiteCoverage(string Site, double Ratio, double Volume, double CoveredVolume);

    public sealed record Uncovered(string Url, double Volume);

    public sealed record CoverageReport(DateTimeOffset ComputedAt, IReadOnlyList<SiteCoverage> Sites, IReadOnlyList<Uncovered> TopUncovered)
    {
        public static readonly CoverageReport Empty = new(DateTimeOffset.MinValue, [], []);
    }

    public CoverageReport Latest => _latest;

    public async Task<CoverageReport> ComputeAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var sites = new Dictionary<string, (double Volume, double Covered)>(StringComparer.Ordinal);
        var uncovered = new List<Uncovered>();
        foreach (var key in _traffic.Top(_options.CurrentValue.TrackedKeys))
        {
            var covered = await IsServableAsync(key.Key, now, cancellationToken);
            var (volume, coveredVolume) = sites.GetValueOrDefault(key.Site);
            sites[key.Site] = (volume + key.Volume, coveredVolume + (covered ? key.Volume : 0));
            if (!covered)
            {
                uncovered.Add(new Uncovered(key.Url, Math.Round(key.Volume, 2)));
            }
        }
        var report = new CoverageReport(now,
            sites.Select(s => new SiteCoverage(s.Key, s.Value.Volume > 0 ? s.Value.Covered / s.Value.Volume : 1, s.Value.Volume, s.Value.Covered))
                .OrderBy(s => s.Site, StringComparer.Ordinal).ToList(),
            uncovered.Take(50).ToList());
        _latest = report;
        return report;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The background-loop idiom: work, then a PeriodicTimer tick on the injected clock (the
        // interval reloads with the configuration); a failure is logged and the loop goes on.
        using var timer = new PeriodicTimer(_options.CurrentValue.Interval, _time);
        try
        {
            do
            {
                try
                {
                    await ComputeAsync(stoppingToken);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    LogComputeFailed(_logger, ex);
                }
                timer.Period = _options.CurrentValue.Interval;
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>A copy that could be served if the origin died now; looked up without promoting it into memory.</summary>
    private async Task<bool> IsServableAsync(string key, DateTimeOffset now, CancellationToken cancellationToken)
    {
        CacheEntry? entry;
        try
        {
            (entry, _) = await _store.PeekAsync(key, cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogLookupFailed(_logger, ex);
            return false;
        }
        return entry switch
        {
            null => false,
            { Kind: CacheEntryKind.VaryMarker } => true, // variants are stored under their own keys
            _ => CachePolicy.Classify(entry, now) == Freshness.Fresh || CachePolicy.CanServeStaleOnError(entry, now),
        };
    }

    [LoggerMessage(EventId = EventIds.CoverageFailed, EventName = nameof(EventIds.CoverageFailed), Level = LogLevel.Warning, Message = "Computing outage coverage failed; retrying")]
    private static partial void LogComputeFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = EventIds.CoverageLookupFailed, EventName = nameof(EventIds.CoverageLookupFailed), Level = LogLevel.Debug, Message = "A store lookup for outage coverage failed")]
    private static partial void LogLookupFailed(ILogger logger, Exception exception);
}
