using EdgeCache.Admin;
using EdgeCache.Caching.Keys;
using EdgeCache.Caching.Policy;
using EdgeCache.Caching.Stores;
using EdgeCache.Diagnostics;
using EdgeCache.Metrics;
using EdgeCache.Rules;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.Extensions.Logging;

namespace EdgeCache.Caching.Pipeline;

/// <summary>
/// Carries out RFC 9111 4.4 (<see cref="Invalidation"/>) for a forwarded unsafe request: once the
/// origin's answer is known and before it reaches the reader (so the reader's next GET never meets
/// the old copy), the target URI and the same-origin <c>Location</c> / <c>Content-Location</c> are
/// invalidated with all their variants, on every tier of every node. Invalidated means marked stale
/// (a soft purge): the next reader's request goes to the origin, and if the origin has failed
/// meanwhile the copy can still stand in within its stale-if-error window. An invalidation that
/// cannot reach a tier is logged (event 5006); the reader's answer is the origin's either way.
/// </summary>
internal sealed partial class UnsafeRequestInvalidator(TieredStore store, PurgeService purges, RuleSetProvider rules, EdgeCacheMetrics metrics,
    ILogger<UnsafeRequestInvalidator> logger)
{
    /// <summary>Arranges the invalidation for a request that is about to be forwarded; nothing for safe methods.</summary>
    public void Register(HttpContext context)
    {
        if (Invalidation.IsSafe(context.Request.Method))
        {
            return;
        }
        context.Response.OnStarting(static state =>
        {
            var (self, context) = ((UnsafeRequestInvalidator, HttpContext))state;
            return self.InvalidateAsync(context);
        }, (this, context));
    }

    private async Task InvalidateAsync(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        if (!Invalidation.Invalidates(request.Method, response.StatusCode))
        {
            return;
        }
        // The target's own key as the cache spells it (rule-shaped query, raw path), without the
        // rule's key headers or cookies: a URL purge covers every key that extends it.
        var keys = new List<string> { CacheKeys.UrlKey(CacheKeys.Primary(request, rules.Current.Match(request.Host, request.Path.Value ?? "/"))) };
        if (Uri.TryCreate(request.GetEncodedUrl(), UriKind.Absolute, out var target))
        {
            foreach (var uri in Invalidation.RelatedUris(target, response.Headers))
            {
                keys.Add(purges.KeyOf(uri));
            }
        }
        foreach (var key in keys.Distinct(StringComparer.Ordinal))
        {
            try
            {
                var count = await store.PurgeAsync(new PurgeRequest(PurgeKind.Url, key, Soft: true), CancellationToken.None);
                metrics.Invalidation();
                LogInvalidated(logger, key, request.Method, response.StatusCode, count);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // PurgeIncompleteException names the tier or node it missed; a store error has its own message.
                LogInvalidationIncomplete(logger, key, request.Method, response.StatusCode, ex.Message);
            }
        }
    }

    [LoggerMessage(EventId = EventIds.Invalidated, EventName = nameof(EventIds.Invalidated), Level = LogLevel.Debug,
        Message = "Invalidated {Key} after {Method} answered {Status}: {Count} entries marked stale")]
    private static partial void LogInvalidated(ILogger logger, string key, string method, int status, int count);

    [LoggerMessage(EventId = EventIds.InvalidationIncomplete, EventName = nameof(EventIds.InvalidationIncomplete), Level = LogLevel.Warning,
        Message = "Invalidating {Key} after {Method} answered {Status} did not take effect everywhere: {Reason}")]
    private static partial void LogInvalidationIncomplete(ILogger logger, string key, string method, int status, string reason);
}
