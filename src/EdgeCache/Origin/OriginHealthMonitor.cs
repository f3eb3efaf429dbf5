using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Model;
using EdgeCache.Diagnostics;

namespace EdgeCache.Origin;

/// <summary>
/// Watches YARP's view of destination health (active probes and passive failures) and keeps what
/// YARP does not: since when each destination and cluster has been up or down. Every change is
/// logged. A cluster whose destinations are all down is degraded: the cache then serves stale
/// copies without contacting the origin, and the probes find the recovery.
/// </summary>
internal sealed partial class OriginHealthMonitor : BackgroundService
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    private readonly IProxyStateLookup _proxy;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<(string Cluster, string Destination), HealthState> _destinations = new();
    private readonly ConcurrentDictionary<string, HealthState> _clusters = new(StringComparer.OrdinalIgnoreCase);

    public OriginHealthMonitor(IProxyStateLookup proxy, TimeProvider time, ILogger<OriginHealthMonitor> logger)
    {
        _proxy = proxy;
        _time = time;
        _logger = logger;
    }

    /// <summary>Up or down, and since when.</summary>
    public readonly record struct HealthState(bool Up, DateTimeOffset Since);

    public sealed record DestinationStatus(string Id, string Address, bool Up, DateTimeOffset Since);

    public sealed record ClusterStatus(string Id, bool Degraded, DateTimeOffset Since, IReadOnlyList<DestinationStatus> Destinations);

    private readonly ConcurrentDictionary<string, TaskCompletionSource> _degradedSignals = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Completes when the cluster is (or becomes) degraded: readers waiting on a dead origin are released then.</summary>
    public Task WhenDegraded(string clusterId)
    {
        var signal = _degradedSignals.GetOrAdd(clusterId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        if (IsDegraded(clusterId))
        {
            signal.TrySetResult();
        }
        return signal.Task;
    }

    public bool IsDegraded(string clusterId) => _clusters.TryGetValue(clusterId, out var state) && !state.Up;

    public bool AnyDegraded => _clusters.Values.Any(s => !s.Up);

    public IReadOnlyList<ClusterStatus> Snapshot()
    {
        Refresh();
        var result = new List<ClusterStatus>();
        foreach (var cluster in _proxy.GetClusters().OrderBy(c => c.ClusterId, StringComparer.Ordinal))
        {
            var destinations = cluster.Destinations.Values
                .OrderBy(d => d.DestinationId, StringComparer.Ordinal)
                .Select(d =>
                {
                    var state = _destinations.GetValueOrDefault((cluster.ClusterId, d.DestinationId));
                    return new DestinationStatus(d.DestinationId, d.Model.Config.Address, state.Up, state.Since);
                })
                .ToList();
            var clusterState = _clusters.GetValueOrDefault(cluster.ClusterId);
            result.Add(new ClusterStatus(cluster.ClusterId, !clusterState.Up, clusterState.Since, destinations));
        }
        return result;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(PollInterval, _time);
        do
        {
            try
            {
                Refresh();
            }
            catch (Exception ex)
            {
                LogRefreshFailed(_logger, ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    private readonly Lock _refreshLock = new();

    /// <summary>Reads YARP's health state now (it is also read every 200 ms).</summary>
    public void Refresh()
    {
        lock (_refreshLock)
        {
            var now = _time.GetUtcNow();
            foreach (var cluster in _proxy.GetClusters())
            {
                var anyUp = false;
                foreach (var destination in cluster.Destinations.Values)
                {
                    var health = destination.Health;
                    var up = health.Active != DestinationHealth.Unhealthy && health.Passive != DestinationHealth.Unhealthy;
                    anyUp |= up;
                    var key = (cluster.ClusterId, destination.DestinationId);
                    if (!_destinations.TryGetValue(key, out var previous))
                    {
                        _destinations[key] = new HealthState(up, now);
                    }
                    else if (previous.Up != up)
                    {
                        _destinations[key] = new HealthState(up, now);
                        if (up)
                        {
                            LogDestinationUp(_logger, cluster.ClusterId, destination.DestinationId, now - previous.Since);
                        }
                        else
                        {
                            LogDestinationDown(_logger, cluster.ClusterId, destination.DestinationId, health.Active.ToString(), health.Passive.ToString());
                        }
                    }
                }
                var clusterUp = anyUp || cluster.Destinations.IsEmpty;
                if (!_clusters.TryGetValue(cluster.ClusterId, out var was))
                {
                    _clusters[cluster.ClusterId] = new HealthState(clusterUp, now);
                }
                else if (was.Up != clusterUp)
                {
                    _clusters[cluster.ClusterId] = new HealthState(clusterUp, now);
                    if (clusterUp)
                    {
                        LogDegradedLeft(_logger, cluster.ClusterId, now - was.Since);
                        if (_degradedSignals.TryGetValue(cluster.ClusterId, out var signal) && signal.Task.IsCompleted)
                        {
                            _degradedSignals.TryUpdate(cluster.ClusterId, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), signal);
                        }
                    }
                    else
                    {
                        LogDegradedEntered(_logger, cluster.ClusterId);
                        _degradedSignals.GetOrAdd(cluster.ClusterId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
                    }
                }
            }
        }
    }

    [LoggerMessage(EventId = EventIds.OriginDown, EventName = nameof(EventIds.OriginDown), Level = LogLevel.Warning,
        Message = "Origin {Cluster}/{Destination} is down (active: {Active}, passive: {Passive})")]
    private static partial void LogDestinationDown(ILogger logger, string cluster, string destination, string active, string passive);

    [LoggerMessage(EventId = EventIds.OriginUp, EventName = nameof(EventIds.OriginUp), Level = LogLevel.Information,
        Message = "Origin {Cluster}/{Destination} is up again after {Downtime}")]
    private static partial void LogDestinationUp(ILogger logger, string cluster, string destination, TimeSpan downtime);

    [LoggerMessage(EventId = EventIds.DegradedEntered, EventName = nameof(EventIds.DegradedEntered), Level = LogLevel.Warning,
        Message = "Site {Cluster} is degraded: every origin is down; serving stored copies")]
    private static partial void LogDegradedEntered(ILogger logger, string cluster);

    [LoggerMessage(EventId = EventIds.DegradedLeft, EventName = nameof(EventIds.DegradedLeft), Level = LogLevel.Information,
        Message = "Site {Cluster} left degraded mode after {Duration}")]
    private static partial void LogDegradedLeft(ILogger logger, string cluster, TimeSpan duration);

    [LoggerMessage(EventId = EventIds.HealthRefreshFailed, EventName = nameof(EventIds.HealthRefreshFailed), Level = LogLevel.Error,
        Message = "Reading origin health failed; retrying")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception);
}
