using EdgeCache.Caching;
using EdgeCache.Caching.Keys;
using EdgeCache.Rules;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using EdgeCache.Diagnostics;

namespace EdgeCache.Protection;

/// <summary>
/// The first thing a request meets: what a client sends must not be able to change what is
/// stored for other readers, nor reach the origin in a form the cache did not key.
/// <code>
/// 1. No Host, an empty Host or several Host fields   → 400 (the host is part of every key).
/// 2. A known method in the wrong case ("head")      → 400, as nginx does: methods are
///                                                     case-sensitive, and Kestrel would frame the
///                                                     answer as for another method than the cache.
/// 3. TRACE / TRACK                                  → 405 at the edge (it would echo cookies back).
/// 4. The query becomes the one the rule keys on (ignored parameters removed, sorted when asked;
///    a bare "?" dropped): the URL that is keyed is the URL that is forwarded.
/// </code>
/// Fields that override routing at origins are dropped on the way to the origin
/// (<see cref="Origin.OriginRequestTransformProvider"/>): a hit never forwards anything.
/// </summary>
internal sealed partial class RequestGuardMiddleware(RequestDelegate next, RuleSetProvider rules, ILogger<RequestGuardMiddleware> logger)
{
    private static readonly string[] KnownMethods =
        [HttpMethods.Get, HttpMethods.Head, HttpMethods.Post, HttpMethods.Put, HttpMethods.Delete, HttpMethods.Patch, HttpMethods.Options, HttpMethods.Connect];

    /// <summary>What <c>Allow</c> says on the 405 for TRACE: the methods EdgeCache passes on.</summary>
    internal const string AllowedMethods = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";

    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;

        // Step 1: exactly one, non-empty Host.
        var host = request.Headers.Host;
        if (host.Count != 1 || string.IsNullOrWhiteSpace(host[0]))
        {
            LogRefused(logger, "bad-host", request.Method);
            return RefuseAsync(context, StatusCodes.Status400BadRequest, "bad-host", "A request needs exactly one non-empty Host header.");
        }

        // Step 2: known methods only in their own spelling (Kestrel hands GET and HEAD over as the
        // interned strings: a hit pays one reference comparison).
        var method = request.Method;
        var common = ReferenceEquals(method, HttpMethods.Get) || ReferenceEquals(method, HttpMethods.Head);
        if (!common && IsMisspeltKnownMethod(method))
        {
            LogRefused(logger, "bad-method", request.Method);
            return RefuseAsync(context, StatusCodes.Status400BadRequest, "bad-method", "Methods are case-sensitive.");
        }

        // Step 3: TRACE and TRACK end here.
        if (!common && (HttpMethods.IsTrace(method) || method.Equals("TRACK", StringComparison.OrdinalIgnoreCase)))
        {
            LogRefused(logger, "method-not-allowed", request.Method);
            context.Response.Headers.Allow = AllowedMethods;
            return RefuseAsync(context, StatusCodes.Status405MethodNotAllowed, "method-not-allowed", $"{request.Method} is not allowed.");
        }

        // Step 4: the query as keyed (the rule is only looked up when there is a query to shape).
        if (request.QueryString.HasValue)
        {
            var rule = rules.Current.Match(request.Host, request.Path.Value ?? "/");
            context.Features.Set(rule.AsFeature);
            var query = request.QueryString.Value!;
            var shaped = query == "?" ? "" : CacheKeys.ShapeQuery(query, rule);
            if (!ReferenceEquals(shaped, query))
            {
                request.QueryString = shaped.Length == 0 ? QueryString.Empty : new QueryString(shaped);
            }
        }
        return next(context);
    }

    private static bool IsMisspeltKnownMethod(string method)
    {
        foreach (var known in KnownMethods)
        {
            if (method.Equals(known, StringComparison.OrdinalIgnoreCase))
            {
                return !method.Equals(known, StringComparison.Ordinal);
            }
        }
        return false;
    }

    /// <summary>
    /// The answer for a request no route takes (a host EdgeCache serves no site for: a scanner by
    /// IP address, a stale DNS record): a 404 saying so, with its <c>Cache-Status</c>, logged like
    /// the other refusals, instead of the routing's bare empty 404.
    /// </summary>
    internal static Task UnknownSiteAsync(HttpContext context, ILogger<RequestGuardMiddleware> logger)
    {
        LogRefused(logger, "unknown-site", context.Request.Method);
        return RefuseAsync(context, StatusCodes.Status404NotFound, "unknown-site",
            $"EdgeCache serves no site at {context.Request.Host.Value}.");
    }

    /// <summary>A short plain-text refusal, never stored, with its <c>Cache-Status</c> detail.</summary>
    internal static Task RefuseAsync(HttpContext context, int status, string detail, string message)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.Headers.CacheControl = "no-store";
        response.Headers.Append(CacheStatus.HeaderName, CacheStatus.Refused(detail));
        response.ContentType = "text/plain; charset=utf-8";
        return response.WriteAsync($"{status} {Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status)}\n{message}\n");
    }

    [LoggerMessage(EventId = EventIds.RequestRefused, EventName = nameof(EventIds.RequestRefused), Level = LogLevel.Debug,
        Message = "Refused a {Method} request at the edge: {Reason}")]
    private static partial void LogRefused(ILogger logger, string reason, string method);
}
