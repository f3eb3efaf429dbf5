using System.Collections.Concurrent;
using System.Net.Sockets;
using EdgeCache.Diagnostics;
using EdgeCache.Status;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.Model;

namespace EdgeCache.Origin;

/// <summary>Which origins a site is using.</summary>
internal enum SiteMode
{
    /// <summary>At least one primary destination is up: it gets the traffic.</summary>
    Primary,

    /// <summary>Every primary is down, a backup is up: the backups get the traffic.</summary>
    Backup,

    /// <summary>No destination is up: the site is degraded; requests are answered without the origin.</summary>
    Down,
}

/// <summary>
/// The one health model, on YARP's own extension points. YARP's health policies set each
/// destination's health (<see cref="LiveOriginHealthPolicy"/> from probes,
/// <see cref="OriginFailuresHealthPolicy"/> from real requests), and every change ends in YARP asking
/// the cluster's available-destinations policy which destinations to use. This is that policy
/// (<c>"AvailableDestinationsPolicy": "EdgeCache"</c>, every cluster's default):
/// <code>
/// primaries that are up      → those                     (mode Primary)
/// none, backups that are up  → those                     (mode Backup)
/// none at all                → none, no "panic" fallback (mode Down: the site is degraded)
/// </code>
/// It records what it decided, since when and why, so the fast path, the routed path, the status
/// page and the metrics read one state, updated at the moment YARP's changes, never polled; each
/// site's resulting <see cref="SiteCondition"/> goes to the <see cref="IncidentLog"/>.
/// A destination is up unless its probes or its passive policy say Unhealthy.
/// </summary>
internal sealed partial class OriginHealth(TimeProvider time, ILogger<OriginHealth> logger, IncidentLog incidents) : IAvailableDestinationsPolicy
{
    public const string PolicyName = "EdgeCache";

    /// <summary>Destination metadata marking a backup origin: <c>"Metadata": { "EdgeCache.Backup": "true" }</c>.</summary>
    public const string BackupMetadata = "EdgeCache.Backup";

    private readonly ConcurrentDictionary<string, SiteState> _sites = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<(string Cluster, string Destination), DestinationRecord> _destinations = new();
    private readonly ConcurrentDictionary<(string Cluster, string Destination), string> _reasons = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _downSignals = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lock _lock = new();

    private sealed record SiteState(SiteMode Mode, DateTimeOffset Since);

    private sealed record DestinationRecord(string Address, bool Backup, bool Up, DateTimeOffset Since);

    public sealed record DestinationStatus(string Id, string Address, bool Backup, bool Up, DateTimeOffset Since, string? Reason);

    /// <param name="Since">When the site entered its current mode (on its backup since, degraded since).</param>
    public sealed record SiteStatus(string Id, SiteMode Mode, DateTimeOffset Since, IReadOnlyList<DestinationStatus> Destinations)
    {
        public bool Degraded => Mode == SiteMode.Down;
        public bool OnBackup => Mode == SiteMode.Backup;
    }

    public string Name => PolicyName;

    public static bool IsUp(DestinationState destination) =>
        destination.Health.Active != DestinationHealth.Unhealthy && destination.Health.Passive != DestinationHealth.Unhealthy;

    public static bool IsBackup(DestinationState destination) =>
        destination.Model.Config.Metadata?.TryGetValue(BackupMetadata, out var value) == true
        && bool.TryParse(value, out var backup) && backup;

    /// <summary>
    /// The attempt failed without reaching the origin (the connection was refused or could not be
    /// made): nothing was sent, so the request may go to another destination, whatever its method.
    /// </summary>
    public static bool NeverReached(IForwarderErrorFeature? error) =>
        error is { Error: ForwarderError.Request, Exception: { } exception }
        && (exception is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError }
            || exception.GetBaseException() is SocketException { SocketErrorCode: SocketError.ConnectionRefused });

    /// <summary>Another destination of the cluster that is up, other than <paramref name="failed"/>: a primary first, else a backup.</summary>
    public static DestinationState? Alternative(ClusterState cluster, DestinationState failed)
    {
        DestinationState? backup = null;
        foreach (var destination in cluster.Destinations.Values)
        {
            if (ReferenceEquals(destination, failed) || !IsUp(destination))
            {
                continue;
            }
            if (!IsBackup(destination))
            {
                return destination;
            }
            backup ??= destination;
        }
        return backup;
    }

    /// <summary>No destination of the site is up: requests are answered without contacting the origin.</summary>
    public bool IsDegraded(string clusterId) => _sites.TryGetValue(clusterId, out var state) && state.Mode == SiteMode.Down;

    /// <summary>Whether a site YARP currently has is degraded (a cluster removed from the configuration is not).</summary>
    public bool AnyDegraded(IProxyStateLookup proxy) => proxy.GetClusters().Any(c => IsDegraded(c.ClusterId));

    /// <summary>Completes when the site is (or becomes) degraded: readers waiting on a hung origin are released then.</summary>
    public Task WhenDegraded(string clusterId)
    {
        var signal = _downSignals.GetOrAdd(clusterId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        if (IsDegraded(clusterId))
        {
            signal.TrySetResult();
        }
        return signal.Task;
    }

    /// <summary>Why a health policy is about to mark the destination down, for the log line and the status page.</summary>
    public void NoteFailure(string clusterId, string destinationId, string reason) => _reasons[(clusterId, destinationId)] = reason;

    /// <summary>The sites YARP currently has, with their destinations.</summary>
    public IReadOnlyList<SiteStatus> Snapshot(IProxyStateLookup proxy)
    {
        var result = new List<SiteStatus>();
        foreach (var cluster in proxy.GetClusters().OrderBy(c => c.ClusterId, StringComparer.Ordinal))
        {
            var now = time.GetUtcNow();
            var site = _sites.GetValueOrDefault(cluster.ClusterId) ?? new SiteState(SiteMode.Primary, now);
            var destinations = cluster.Destinations.Values
                .OrderBy(d => d.DestinationId, StringComparer.Ordinal)
                .Select(d =>
                {
                    var record = _destinations.GetValueOrDefault((cluster.ClusterId, d.DestinationId))
                        ?? new DestinationRecord(d.Model.Config.Address, IsBackup(d), IsUp(d), now);
                    return new DestinationStatus(d.DestinationId, record.Address, record.Backup, record.Up, record.Since,
                        record.Up ? null : _reasons.GetValueOrDefault((cluster.ClusterId, d.DestinationId)));
                })
                .ToList();
            result.Add(new SiteStatus(cluster.ClusterId, site.Mode, site.Since, destinations));
        }
        return result;
    }

    /// <summary>YARP asks after every health or configuration change of the cluster.</summary>
    public IReadOnlyList<DestinationState> GetAvailalableDestinations(ClusterConfig config, IReadOnlyList<DestinationState> allDestinations)
    {
        List<DestinationState>? primaries = null, backups = null;
        foreach (var destination in allDestinations)
        {
            if (IsUp(destination))
            {
                (IsBackup(destination) ? backups ??= [] : primaries ??= []).Add(destination);
            }
        }
        var mode = primaries is not null ? SiteMode.Primary : backups is not null ? SiteMode.Backup : SiteMode.Down;
        Observe(config.ClusterId, allDestinations, mode);
        return (IReadOnlyList<DestinationState>?)primaries ?? (IReadOnlyList<DestinationState>?)backups ?? [];
    }

    private void Observe(string clusterId, IReadOnlyList<DestinationState> allDestinations, SiteMode mode)
    {
        lock (_lock)
        {
            var now = time.GetUtcNow();
            var anyDown = false;
            foreach (var destination in allDestinations)
            {
                var key = (clusterId, destination.DestinationId);
                var up = IsUp(destination);
                anyDown |= !up;
                var record = new DestinationRecord(destination.Model.Config.Address, IsBackup(destination), up, now);
                var previous = _destinations.GetValueOrDefault(key);
                if (previous is null || previous.Up != up)
                {
                    _destinations[key] = record;
                    if (!up)
                    {
                        LogDestinationDown(logger, clusterId, destination.DestinationId, Reason(key));
                    }
                    else if (previous is not null)
                    {
                        LogDestinationUp(logger, clusterId, destination.DestinationId, now - previous.Since);
                    }
                }
                else if (previous.Address != record.Address || previous.Backup != record.Backup)
                {
                    _destinations[key] = record with { Since = previous.Since };
                }
            }

            // Some destinations down while a primary still serves is an incident too, with no change of mode.
            incidents.Record(clusterId, SiteConditions.Of(mode, anyDown));
            var was = _sites.GetValueOrDefault(clusterId);
            if (was is not null && was.Mode == mode)
            {
                return;
            }
            _sites[clusterId] = new SiteState(mode, now);
            var previousMode = was?.Mode ?? SiteMode.Primary;
            var lasted = was is null ? TimeSpan.Zero : now - was.Since;
            switch (mode)
            {
                case SiteMode.Down:
                    LogDegradedEntered(logger, clusterId);
                    _downSignals.GetOrAdd(clusterId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
                    break;
                case SiteMode.Backup when previousMode == SiteMode.Primary:
                    LogBackupEntered(logger, clusterId);
                    break;
                case SiteMode.Backup:
                    LogDegradedLeft(logger, clusterId, lasted, "its backup");
                    break;
                case SiteMode.Primary when previousMode == SiteMode.Backup:
                    LogBackupLeft(logger, clusterId, lasted);
                    break;
                case SiteMode.Primary when was is not null:
                    LogDegradedLeft(logger, clusterId, lasted, "its primary");
                    break;
            }
            if (mode != SiteMode.Down && _downSignals.TryGetValue(clusterId, out var signal) && signal.Task.IsCompleted)
            {
                _downSignals.TryUpdate(clusterId, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), signal);
            }
        }
    }

    private string Reason((string, string) key) => _reasons.GetValueOrDefault(key) ?? "marked unhealthy";

    [LoggerMessage(EventId = EventIds.OriginDown, EventName = nameof(EventIds.OriginDown), Level = LogLevel.Warning,
        Message = "Origin {Cluster}/{Destination} is down: {Reason}")]
    private static partial void LogDestinationDown(ILogger logger, string cluster, string destination, string reason);

    [LoggerMessage(EventId = EventIds.OriginUp, EventName = nameof(EventIds.OriginUp), Level = LogLevel.Information,
        Message = "Origin {Cluster}/{Destination} is up again after {Downtime}")]
    private static partial void LogDestinationUp(ILogger logger, string cluster, string destination, TimeSpan downtime);

    [LoggerMessage(EventId = EventIds.DegradedEntered, EventName = nameof(EventIds.DegradedEntered), Level = LogLevel.Warning,
        Message = "Site {Cluster} is degraded: every origin is down; serving stored copies")]
    private static partial void LogDegradedEntered(ILogger logger, string cluster);

    [LoggerMessage(EventId = EventIds.DegradedLeft, EventName = nameof(EventIds.DegradedLeft), Level = LogLevel.Information,
        Message = "Site {Cluster} left degraded mode after {Duration}, on {Origins}")]
    private static partial void LogDegradedLeft(ILogger logger, string cluster, TimeSpan duration, string origins);

    [LoggerMessage(EventId = EventIds.BackupEntered, EventName = nameof(EventIds.BackupEntered), Level = LogLevel.Warning,
        Message = "Site {Cluster} is on its backup origin: every primary is down")]
    private static partial void LogBackupEntered(ILogger logger, string cluster);

    [LoggerMessage(EventId = EventIds.BackupLeft, EventName = nameof(EventIds.BackupLeft), Level = LogLevel.Information,
        Message = "Site {Cluster} is back on its primary origin after {Duration}")]
    private static partial void LogBackupLeft(ILogger logger, string cluster, TimeSpan duration);
}
