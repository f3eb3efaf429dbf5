using EdgeCache.Caching;
using EdgeCache.Caching.Policy;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Health;

namespace EdgeCache.Origin;

/// <summary>
/// Fetches one object through YARP's forwarder into a synthetic context, so the route's
/// transforms and the cluster's client apply, while nothing reaches the reader until the cache
/// has decided what to send. The same fetch serves the reader's miss, coalesced waiters and
/// background revalidation.
/// </summary>
internal sealed class OriginFetcher
{
    private readonly IHttpForwarder _forwarder;
    private readonly IOptionsMonitor<CacheOptions> _options;
    private readonly TimeProvider _time;
    private readonly IServiceProvider _services;
    private readonly Dictionary<string, IPassiveHealthCheckPolicy> _passivePolicies;
    private readonly Metrics.EdgeCacheMetrics _metrics;
    private readonly Protection.OriginLimiter _limiter;
    private readonly IOptionsMonitor<Degraded.DegradedOptions> _degraded;

    public OriginFetcher(IHttpForwarder forwarder, IOptionsMonitor<CacheOptions> options, TimeProvider time, IServiceProvider services,
        IEnumerable<IPassiveHealthCheckPolicy> passivePolicies, Metrics.EdgeCacheMetrics metrics, Protection.OriginLimiter limiter,
        IOptionsMonitor<Degraded.DegradedOptions> degraded)
    {
        _degraded = degraded;
        _limiter = limiter;
        _metrics = metrics;
        _passivePolicies = passivePolicies.ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);
        _forwarder = forwarder;
        _options = options;
        _time = time;
        _services = services;
    }

    /// <param name="request">What to fetch.</param>
    /// <param name="target">Where from.</param>
    /// <param name="etag">Stored validator to revalidate with, if any.</param>
    /// <param name="lastModified">Stored validator to revalidate with, if any.</param>
    /// <param name="background">Refresh or warming: takes a free slot under the origin cap or none, never queues.</param>
    /// <param name="cancellationToken">Ends the fetch.</param>
    public async Task<OriginResponse> FetchAsync(
        OriginRequest request,
        OriginTarget? target,
        string? etag,
        string? lastModified,
        bool background,
        CancellationToken cancellationToken)
    {
        var requestTime = _time.GetUtcNow();
        var failureStatuses = _degraded.CurrentValue.FailureStatuses;
        var revalidating = etag is not null || lastModified is not null;
        if (target is null)
        {
            return new OriginResponse(OriginOutcome.Failed, StatusCodes.Status503ServiceUnavailable, new HeaderDictionary(),
                default, requestTime, requestTime, ForwarderError.NoAvailableDestinations)
            {
                Answer = OriginOutcomePolicy.Classify(ForwarderError.NoAvailableDestinations, 0, false, false, revalidating, failureStatuses),
            };
        }

        var slot = await _limiter.AcquireAsync(target.ClusterId, background, request.RemoteIpAddress, cancellationToken);
        if (!slot.IsAcquired)
        {
            slot.Dispose();
            return new OriginResponse(OriginOutcome.Failed, StatusCodes.Status503ServiceUnavailable, new HeaderDictionary(),
                default, requestTime, _time.GetUtcNow(), Busy: true)
            {
                Answer = OriginOutcomePolicy.Classify(ForwarderError.None, 0, false, busy: true, revalidating, failureStatuses),
            };
        }

        var handedOff = false;
        try
        {
            var (context, capture) = NewContext(request, target, etag, lastModified, cancellationToken);
            var send = _forwarder.SendAsync(context, target.DestinationPrefix, target.HttpClient, target.RequestConfig, target.Transformer).AsTask();
            var overflowed = await Task.WhenAny(send, capture.Overflowed) != send;
            if (!overflowed)
            {
                ReportToPassiveHealth(context, target);
                if (OriginHealth.NeverReached(context.Features.Get<IForwarderErrorFeature>())
                    && OriginHealth.Alternative(target.Cluster, target.Destination) is { } next)
                {
                    // The connection was refused: nothing reached the origin. Ask the next destination that
                    // is up (another primary, else a backup) rather than fail the reader while the health
                    // model catches up.
                    capture.Release();
                    target = target with { Destination = next, DestinationPrefix = next.Model.Config.Address, IsBackup = OriginHealth.IsBackup(next) };
                    (context, capture) = NewContext(request, target, etag, lastModified, cancellationToken);
                    send = _forwarder.SendAsync(context, target.DestinationPrefix, target.HttpClient, target.RequestConfig, target.Transformer).AsTask();
                    overflowed = await Task.WhenAny(send, capture.Overflowed) != send;
                    if (!overflowed)
                    {
                        ReportToPassiveHealth(context, target);
                    }
                }
            }
            var responseTime = _time.GetUtcNow();
            _metrics.OriginRequest(target.ClusterId, responseTime - requestTime);

            if (overflowed)
            {
                // Too large to store: the origin's response waits mid-body for this fetch's reader,
                // who gets the rest of it (no second request); the slot is held until it ends.
                handedOff = true;
                var passThrough = new PassThrough(capture, context.Response.StatusCode, context.Response.Headers,
                    FinishPassThroughAsync(send, capture, context, target, slot));
                return new OriginResponse(OriginOutcome.TooLarge, context.Response.StatusCode, context.Response.Headers,
                    default, requestTime, responseTime)
                {
                    Answer = OriginOutcomePolicy.Classify(ForwarderError.None, context.Response.StatusCode, tooLarge: true, busy: false, revalidating, failureStatuses),
                    FromBackup = target.IsBackup,
                    Destination = target.Destination,
                    PassThrough = passThrough,
                };
            }

            var error = await send;
            var answer = OriginOutcomePolicy.Classify(error, context.Response.StatusCode, capture.TooLarge, busy: false, revalidating, failureStatuses);
            if (answer.Kind == OriginAnswerKind.Failure && error != ForwarderError.None)
            {
                capture.Release();
                return new OriginResponse(OriginOutcome.Failed, context.Response.StatusCode,
                    new HeaderDictionary(), default, requestTime, responseTime, error) { Answer = answer, FromBackup = target.IsBackup, Destination = target.Destination };
            }
            return new OriginResponse(OriginOutcome.Response, context.Response.StatusCode, context.Response.Headers,
                capture.TakeCaptured(), requestTime, responseTime) { Answer = answer, FromBackup = target.IsBackup, Destination = target.Destination };
        }
        finally
        {
            if (!handedOff)
            {
                slot.Dispose();
            }
        }
    }

    /// <summary>The end of a too-large response's origin request: its health report and its slot.</summary>
    private async Task<ForwarderError> FinishPassThroughAsync(Task<ForwarderError> send, CaptureStream capture, HttpContext context,
        OriginTarget target, IDisposable slot)
    {
        try
        {
            var error = await send;
            if (error is ForwarderError.ResponseBodyClient or ForwarderError.ResponseBodyCanceled)
            {
                // Nobody took it, or the reader went away: no evidence against the origin.
                context.Features.Set<IForwarderErrorFeature>(null);
            }
            ReportToPassiveHealth(context, target);
            return error;
        }
        finally
        {
            capture.Release();
            slot.Dispose();
        }
    }

    /// <summary>A synthetic context for one attempt: the reader's request as a GET, the response captured.</summary>
    private (HttpContext Context, CaptureStream Capture) NewContext(OriginRequest request, OriginTarget target, string? etag,
        string? lastModified, CancellationToken cancellationToken)
    {
        var context = new DefaultHttpContext { RequestServices = _services };
        context.Features.Set(target.Feature());
        var http = context.Request;
        http.Method = HttpMethods.Get;
        http.Scheme = request.Scheme;
        http.Host = request.Host;
        http.PathBase = request.PathBase;
        http.Path = request.Path;
        http.QueryString = request.Query;
        context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()!.RawTarget = request.RawTarget;
        foreach (var header in request.Headers)
        {
            http.Headers[header.Key] = header.Value;
        }
        if (etag is not null)
        {
            http.Headers[HeaderNames.IfNoneMatch] = etag;
        }
        if (lastModified is not null)
        {
            http.Headers[HeaderNames.IfModifiedSince] = lastModified;
        }
        context.Connection.RemoteIpAddress = request.RemoteIpAddress;
        context.RequestAborted = cancellationToken;

        var capture = new CaptureStream(context, _options.CurrentValue.MaxObjectBytes);
        context.Response.Body = capture;
        return (context, capture);
    }

    /// <summary>
    /// YARP's passive health middleware only sees requests that go through its pipeline; the
    /// cache's own fetches report their outcome (the forwarder's error feature, if any) to the
    /// cluster's passive policy here. An answer, any status, is no evidence against the origin: a
    /// 5xx is that URL's failure, backed off per key (<see cref="Caching.Fetching.FailureBackoff"/>).
    /// </summary>
    private void ReportToPassiveHealth(HttpContext context, OriginTarget target)
    {
        var passive = target.Cluster.Model.Config.HealthCheck?.Passive;
        if (passive?.Enabled == true
            && _passivePolicies.TryGetValue(passive.Policy ?? OriginFailuresHealthPolicy.PolicyName, out var policy))
        {
            policy.RequestProxied(context, target.Cluster, target.Destination);
        }
    }
}
