using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.Model;

namespace EdgeCache.Origin;

/// <summary>
/// EdgeCache's passive health policy (<c>"Policy": "EdgeCacheFailures"</c>, every cluster's default):
/// real requests are evidence only when the origin could not answer them: refused, reset, timed
/// out, a TLS or DNS failure, a body cut off by the origin. An answer, any status, is a live origin
/// (a 503 on one URL is that URL's problem, handled per URL by the cache). The metadata
/// <c>EdgeCache.PassiveFailureThreshold</c> (default 3) such failures in a row within 10 s mark the
/// destination down for the cluster's <c>ReactivationPeriod</c> (default 250 ms); then it is tried
/// again (half-open: one more failure marks it down again, one answer brings it back). A request the
/// reader abandoned is no evidence.
/// </summary>
internal sealed class OriginFailuresHealthPolicy(IDestinationHealthUpdater healthUpdater, OriginHealth health, TimeProvider time)
    : IPassiveHealthCheckPolicy
{
    public const string PolicyName = "EdgeCacheFailures";
    public const string ThresholdMetadata = "EdgeCache.PassiveFailureThreshold";
    public static readonly TimeSpan DefaultReactivationPeriod = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(10);

    private readonly ConditionalWeakTable<DestinationState, FailureRun> _runs = new();

    public string Name => PolicyName;

    public void RequestProxied(HttpContext context, ClusterState cluster, DestinationState destination)
    {
        if (context.RequestAborted.IsCancellationRequested)
        {
            return;
        }
        var reason = FailureReason(context.Features.Get<IForwarderErrorFeature>());
        var run = _runs.GetOrCreateValue(destination);
        var now = time.GetUtcNow();
        string? markDown = null;
        lock (run)
        {
            if (reason is null)
            {
                run.Count = 0;
                run.Tripped = false;
            }
            else
            {
                if (now - run.Last > Window)
                {
                    run.Count = 0;
                    run.Tripped = false;
                }
                run.Count++;
                run.Last = now;
                if (run.Tripped)
                {
                    markDown = $"the retry after the pause failed too: {reason}";
                }
                else if (run.Count >= Threshold(cluster))
                {
                    run.Tripped = true;
                    markDown = $"{run.Count} requests in a row failed: {reason}";
                }
            }
        }
        if (markDown is not null && destination.Health.Passive != DestinationHealth.Unhealthy)
        {
            health.NoteFailure(cluster.ClusterId, destination.DestinationId, markDown);
            healthUpdater.SetPassive(cluster, destination, DestinationHealth.Unhealthy,
                cluster.Model.Config.HealthCheck?.Passive?.ReactivationPeriod ?? DefaultReactivationPeriod);
        }
        else if (reason is null && destination.Health.Passive != DestinationHealth.Healthy)
        {
            healthUpdater.SetPassive(cluster, destination, DestinationHealth.Healthy, TimeSpan.Zero);
        }
    }

    /// <summary>Why the origin could not answer, or null when it answered (or the failure was not the origin's).</summary>
    internal static string? FailureReason(IForwarderErrorFeature? error) => error?.Error switch
    {
        null or ForwarderError.None => null,
        ForwarderError.RequestTimedOut => "no answer within the origin timeout",
        ForwarderError.Request or ForwarderError.RequestBodyDestination or ForwarderError.ResponseBodyDestination
            or ForwarderError.UpgradeRequestDestination or ForwarderError.UpgradeResponseDestination =>
            error.Exception?.GetBaseException().Message ?? "the connection failed",
        _ => null, // the client's side (canceled, bad request body) or EdgeCache's own (no destination)
    };

    private static int Threshold(ClusterState cluster) => ClusterDefaults.PositiveMetadata(cluster, ThresholdMetadata, 3);

    private sealed class FailureRun
    {
        public int Count;
        public bool Tripped;
        public DateTimeOffset Last;
    }
}
