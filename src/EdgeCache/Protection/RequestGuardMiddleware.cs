using EdgeCache.Caching;
using EdgeCache.Caching.Keys;
using EdgeCache.Rules;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace EdgeCache.Protection;

/// <summary>
/// The first thing a request meets: what a client sends must not be able to change what is
/// stored for other readers, nor reach the origin in a form the cache did not key.
/// <code>
/// 1. No Host, an empty Host or several Host fields   → 400 (the host is part of every key).
/// 2. TRACE / TRACK                                  → 405 at the edge (it would echo cookies back).
/// 3. Fields that commonly override routing at origins (X-Original-URL, X-Rewrite-URL, X-Host,
///    X-Forwarded-Server, X-Forwarded-Scheme, X-Forwarded-Port) are dropped, unless the rule keys on them.
/// 4. The query becomes the one the rule keys on (ignored parameters removed, sorted when asked):
///    the URL that is keyed is the URL that is forwarded.
/// </code>
/// </summary>
internal sealed partial class RequestGuardMiddleware(RequestDelegate next, RuleSetProvider rules, ILogger<RequestGuardMiddleware> logger)
{
    /// <summary>Request fields that frameworks and origin servers take as the URL, host, scheme or port.</summary>
    internal static readonly string[] RoutingOverrideHeaders =
        ["X-Original-URL", "X-Rewrite-URL", "X-Host", "X-Forwarded-Server", "X-Forwarded-Scheme", "X-Forwarded-Port"];

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

        // Step 2: TRACE and TRACK end here.
        if (HttpMethods.IsTrace(request.Method) || request.Method.Equals("TRACK", StringComparison.OrdinalIgnoreCase))
        {
            LogRefused(logger, "method-not-allowed", request.Method);
            context.Response.Headers.Allow = AllowedMethods;
            return RefuseAsync(context, StatusCodes.Status405MethodNotAllowed, "method-not-allowed", $"{request.Method} is not allowed.");
        }

        // The rule is only looked up when there is something for it to shape.
        CacheRule? rule = null;

        // Step 3: routing overrides.
        foreach (var name in RoutingOverrideHeaders)
        {
            if (request.Headers.ContainsKey(name))
            {
                rule ??= rules.Current.Match(request.Host, request.Path.Value ?? "/");
                if (!KeysOn(rule, name))
                {
                    request.Headers.Remove(name);
                }
            }
        }

        // Step 4: the query as keyed.
        if (request.QueryString.HasValue)
        {
            rule ??= rules.Current.Match(request.Host, request.Path.Value ?? "/");
            var query = request.QueryString.Value!;
            var shaped = CacheKeys.ShapeQuery(query, rule);
            if (!ReferenceEquals(shaped, query))
            {
                request.QueryString = shaped.Length == 0 ? QueryString.Empty : new QueryString(shaped);
            }
        }
        return next(context);
    }

    private static bool KeysOn(CacheRule rule, string header)
    {
        foreach (var keyed in rule.KeyHeaders)
        {
            if (keyed.Equals(header, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }

    private static Task RefuseAsync(HttpContext context, int status, string detail, string message)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.Headers.CacheControl = "no-store";
        response.Headers.Append(CacheStatus.HeaderName, CacheStatus.Refused(detail));
        response.ContentType = "text/plain; charset=utf-8";
        return response.WriteAsync($"{status} {Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status)}\n{message}\n");
    }

    [LoggerMessage(EventId = 1010, EventName = "RequestRefused", Level = LogLevel.Debug,
        Message = "Refused a {Method} request at the edge: {Reason}")]
    private static partial void LogRefused(ILogger logger, string reason, string method);
}
