using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using EdgeCache.Diagnostics;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.Model;

namespace EdgeCache.Origin;

/// <summary>
/// EdgeCache's active probe policy (<c>"Policy": "EdgeCacheLive"</c>, the default of <c>--origin</c>):
/// a destination is down only on evidence that it cannot answer. A probe passes when the origin
/// answers anything below 500 within the probe timeout: a 301 to <c>/en/</c>, a 404 or a 401 come
/// from a live server. Refused, reset, timed out, a TLS or DNS failure, or a 5xx fail it; the
/// cluster's <c>ConsecutiveFailuresHealthPolicy.Threshold</c> metadata (default 2) failures in a row
/// mark it down, one pass brings it back. The reason goes into <see cref="OriginHealth"/>'s one line
/// per health change; each failed probe is a Debug line, no stack trace (YARP's own per-probe
/// warning with its stack trace is filtered out by the host).
/// </summary>
internal sealed partial class LiveOriginHealthPolicy(IDestinationHealthUpdater healthUpdater, OriginHealth health, ILogger<LiveOriginHealthPolicy> logger)
    : IActiveHealthCheckPolicy
{
    public const string PolicyName = "EdgeCacheLive";
    private const string ThresholdMetadata = "ConsecutiveFailuresHealthPolicy.Threshold";

    private readonly ConditionalWeakTable<DestinationState, StrongBox<int>> _failures = new();

    public string Name => PolicyName;

    public void ProbingCompleted(ClusterState cluster, IReadOnlyList<DestinationProbingResult> probingResults)
    {
        if (probingResults.Count == 0)
        {
            return;
        }
        var threshold = Threshold(cluster);
        var states = new NewActiveDestinationHealth[probingResults.Count];
        for (var i = 0; i < probingResults.Count; i++)
        {
            var result = probingResults[i];
            var destination = result.Destination;
            var failures = _failures.GetOrCreateValue(destination);
            var reason = FailureReason(result);
            DestinationHealth state;
            if (reason is null)
            {
                Interlocked.Exchange(ref failures.Value, 0);
                state = DestinationHealth.Healthy;
            }
            else
            {
                var count = Interlocked.Increment(ref failures.Value);
                state = count < threshold ? destination.Health.Active : DestinationHealth.Unhealthy;
                LogProbeFailed(logger, cluster.ClusterId, destination.DestinationId, count, reason);
                if (count == threshold)
                {
                    var path = cluster.Model.Config.HealthCheck?.Active?.Path ?? "/";
                    health.NoteFailure(cluster.ClusterId, destination.DestinationId, $"{count} probes in a row (GET {path}): {reason}");
                }
            }
            states[i] = new NewActiveDestinationHealth(destination, state);
        }
        healthUpdater.SetActive(cluster, states);
    }

    /// <summary>Why a probe failed, or null when it passed (any answer below 500).</summary>
    internal static string? FailureReason(DestinationProbingResult result) => result switch
    {
        { Response: { } response } when (int)response.StatusCode < 500 => null,
        { Response: { } response } => $"answered {(int)response.StatusCode}",
        { Exception: TaskCanceledException or OperationCanceledException } => "no answer within the probe timeout",
        { Exception: { } exception } => exception.GetBaseException().Message,
        _ => "no answer",
    };

    private static int Threshold(ClusterState cluster) => ClusterDefaults.PositiveMetadata(cluster, ThresholdMetadata, 2);

    [LoggerMessage(EventId = EventIds.ProbeFailed, EventName = nameof(EventIds.ProbeFailed), Level = LogLevel.Debug,
        Message = "Probe of {Cluster}/{Destination} failed ({Count} in a row): {Reason}")]
    private static partial void LogProbeFailed(ILogger logger, string cluster, string destination, int count, string reason);
}
