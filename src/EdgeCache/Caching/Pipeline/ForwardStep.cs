using EdgeCache.AccessLog;
using EdgeCache.Caching.Policy;
using EdgeCache.Degraded;
using EdgeCache.Diagnostics;
using EdgeCache.Origin;
using EdgeCache.Protection;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace EdgeCache.Caching.Pipeline;

/// <summary>
/// Lets YARP forward a request untouched (other methods, bypasses, responses too large to store),
/// within the origin's concurrency cap; if every origin is down, or the origin fails before
/// anything was sent, the friendly error page instead. A forwarded unsafe request that succeeds
/// invalidates what the cache holds for its URL (<see cref="UnsafeRequestInvalidator"/>).
/// </summary>
internal sealed partial class ForwardStep(OriginLimiter limiter, OriginHealth health, ErrorPageWriter errorPages, IOptionsMonitor<CacheOptions> options,
    ReaderAffinity affinity, UnsafeRequestInvalidator invalidator, TimeProvider time, ILogger<ForwardStep> logger)
{
    /// <summary>A request body can be read once; a request with one is not sent twice.</summary>
    private static bool HasBody(HttpRequest request) =>
        request.ContentLength is > 0 || (request.ContentLength is null && request.Headers.TransferEncoding.Count > 0);

    /// <summary>
    /// Whether the reader asked for exactly what the cache's fetch asked the origin for (ranges are
    /// not sent on a fetch), so the fetch's response can be theirs.
    /// </summary>
    public static bool CanTakePassThrough(HttpRequest request) =>
        request.Headers.Range.Count == 0 && request.Headers.IfRange.Count == 0;

    /// <summary>
    /// A response too large to store, taken from the reader's own fetch: its status and headers,
    /// then the body (captured prefix, then the rest as the origin sends it), uncached. An origin
    /// failure mid-body aborts the reader's connection, as YARP does, so a truncated body never
    /// looks complete.
    /// </summary>
    public async Task<CacheOutcome> PassThroughAsync(HttpContext context, PassThrough passThrough, string fwd, string detail, bool fromBackup,
        DestinationState? destination)
    {
        try
        {
            WritePassThroughHeaders(context, passThrough, fwd, detail, fromBackup);
            affinity.Apply(context, destination); // this reader's own answer
        }
        catch
        {
            passThrough.End(); // the origin request must not wait for a reader who will never read
            throw;
        }
        var error = await passThrough.StreamToAsync(context);
        if (error != ForwarderError.None && !HttpMethods.IsHead(context.Request.Method) && !context.RequestAborted.IsCancellationRequested)
        {
            context.Abort();
        }
        return CacheOutcome.TooLarge;
    }

    private void WritePassThroughHeaders(HttpContext context, PassThrough passThrough, string fwd, string detail, bool fromBackup)
    {
        var response = context.Response;
        response.StatusCode = passThrough.StatusCode;
        var keepTagHeaders = options.CurrentValue.ForwardTagHeaders;
        foreach (var header in passThrough.Headers)
        {
            if (CacheEntryFactory.IsWithheldFromReaders(header.Key, keepTagHeaders))
            {
                continue;
            }
            response.Headers.Append(header.Key, header.Value);
        }
        response.Headers.Append(CacheStatus.HeaderName, CacheStatus.Forward(fwd, detail: detail, backup: fromBackup));
    }

    /// <param name="fwd">The <c>Cache-Status</c> <c>fwd</c> value: method, bypass, miss.</param>
    /// <param name="detail">The <c>Cache-Status</c> detail, if any.</param>
    /// <returns>The outcome: <paramref name="outcome"/>, or the error page.</returns>
    public async Task<CacheOutcome> ForwardAsync(HttpContext context, RequestDelegate next, string fwd, string? detail, CacheOutcome outcome)
    {
        invalidator.Register(context); // RFC 9111 4.4: a method not known to be safe, answered 2xx/3xx
        var proxy = context.Features.Get<IReverseProxyFeature>();
        if (proxy is not null && health.IsDegraded(proxy.Cluster.Config.ClusterId))
        {
            // Every origin is down: answer now rather than hold the reader on a dead or hung origin.
            await errorPages.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "origin-down");
            return CacheOutcome.ErrorPage;
        }
        var keepTagHeaders = options.CurrentValue.ForwardTagHeaders;
        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            // An error page written instead has its own member; an origin's (or an upstream CDN's) members stay before ours.
            if (!headers[CacheStatus.HeaderName].Any(member => member?.StartsWith(CacheStatus.Name, StringComparison.Ordinal) == true))
            {
                headers.Append(CacheStatus.HeaderName, CacheStatus.Forward(fwd, detail: detail,
                    backup: proxy?.ProxiedDestination is { } destination && OriginHealth.IsBackup(destination)));
            }
            foreach (var name in CacheEntryFactory.WithheldFromReaders(keepTagHeaders))
            {
                headers.Remove(name);
            }
            return Task.CompletedTask;
        });
        using (var slot = await limiter.AcquireAsync(proxy?.Cluster.Config.ClusterId ?? "", background: false, context.Connection.RemoteIpAddress, context.RequestAborted))
        {
            if (!slot.IsAcquired)
            {
                await errorPages.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "origin-busy");
                return CacheOutcome.ErrorPage;
            }
            var record = context.Features.Get<AccessLogRecord>();
            var asked = record is null ? 0 : time.GetTimestamp();
            await next(context);
            if (!context.Response.HasStarted && proxy is not null && !HasBody(context.Request)
                && OriginHealth.NeverReached(context.Features.Get<IForwarderErrorFeature>())
                && proxy.ProxiedDestination is { } failed && OriginHealth.Alternative(proxy.Route.Cluster!, failed) is { } alternative)
            {
                // Refused: nothing reached the origin. The next destination that is up (another
                // primary, else a backup) gets the request, as nginx's proxy_next_upstream does.
                context.Features.Set<IForwarderErrorFeature>(null);
                context.Response.Clear();
                proxy.AvailableDestinations = [alternative];
                await next(context);
            }
            // YARP answered for the origin: its status, unless the forwarder failed (then none).
            record?.Origin(context.Features.Get<IForwarderErrorFeature>() is null ? context.Response.StatusCode : null, time.GetElapsedTime(asked));
        }
        if (context.Features.Get<IForwarderErrorFeature>() is { Error: ForwarderError.RequestBodyClient } bad)
        {
            // The client's body could not be read (malformed chunks, say): the client's error, not
            // the origin's (the passive health policy does not count it either). One line, no stack
            // trace (YARP's own warning is left out: ForwarderLogger); a 400 unless the origin's
            // answer had already started.
            LogClientBodyMalformed(logger, context.Request.Method,
                (ForwarderLogger<object>.ClientBodyError(bad.Exception) ?? bad.Exception?.GetBaseException())?.Message ?? "unreadable");
            if (context.Response.HasStarted)
            {
                return outcome;
            }
            context.Response.Clear();
            await RequestGuardMiddleware.RefuseAsync(context, StatusCodes.Status400BadRequest, "bad-request-body", "The request body could not be read.");
            return CacheOutcome.ClientAbort;
        }
        if (!context.Response.HasStarted && context.Features.Get<IForwarderErrorFeature>() is { } error)
        {
            var failure = OriginOutcomePolicy.Classify(error.Error, context.Response.StatusCode, tooLarge: false, busy: false, revalidating: false, []);
            context.Response.Clear();
            await errorPages.WriteAsync(context, failure.FailureStatus, failure.FailureDetail);
            return CacheOutcome.ErrorPage;
        }
        return outcome;
    }

    [LoggerMessage(EventId = EventIds.ClientBodyMalformed, EventName = nameof(EventIds.ClientBodyMalformed), Level = LogLevel.Information,
        Message = "Refused a {Method} request: its body could not be read ({Reason})")]
    private static partial void LogClientBodyMalformed(ILogger logger, string method, string reason);
}
