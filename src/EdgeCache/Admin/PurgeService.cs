using EdgeCache.Caching.Keys;
using EdgeCache.Caching.Stores;
using EdgeCache.Metrics;
using EdgeCache.Rules;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using EdgeCache.Diagnostics;

namespace EdgeCache.Admin;

/// <summary>
/// Purges by URL, prefix or tag: every tier of this node and every other node's memory tier (the
/// store's job), counted and logged.
/// </summary>
internal sealed partial class PurgeService(TieredStore store, RuleSetProvider rules, EdgeCacheMetrics metrics, ILogger<PurgeService> logger)
{
    public async Task<int> PurgeAsync(PurgeRequest request, CancellationToken cancellationToken)
    {
        int count;
        try
        {
            count = await store.PurgeAsync(request, cancellationToken);
        }
        catch (PurgeIncompleteException ex)
        {
            LogPurgeIncomplete(logger, request.Kind.ToString(), request.Value, request.Soft, ex.Purged, ex.Unreached);
            throw;
        }
        metrics.Purge(request.Kind.ToString().ToLowerInvariant());
        LogPurged(logger, request.Kind.ToString(), request.Value, request.Soft, count);
        return count;
    }

    /// <summary>The cache key of an absolute URL, without rule key headers or Vary parts (which a URL purge covers).</summary>
    public string KeyOf(Uri url)
    {
        var context = new DefaultHttpContext();
        var request = context.Request;
        request.Method = HttpMethods.Get;
        request.Scheme = url.Scheme;
        request.Host = new HostString(url.Authority);
        request.Path = PathString.FromUriComponent(url.AbsolutePath);
        request.QueryString = QueryString.FromUriComponent(url.Query);
        context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()!.RawTarget = url.PathAndQuery;
        return CacheKeys.UrlKey(CacheKeys.Primary(request, rules.Current.Match(request.Host, request.Path.Value ?? "/")));
    }

    [LoggerMessage(EventId = EventIds.Purged, EventName = nameof(EventIds.Purged), Level = LogLevel.Information,
        Message = "Purge {Kind} {Value} (soft: {Soft}): {Count} entries")]
    private static partial void LogPurged(ILogger logger, string kind, string value, bool soft, int count);

    [LoggerMessage(EventId = EventIds.PurgeIncomplete, EventName = nameof(EventIds.PurgeIncomplete), Level = LogLevel.Warning,
        Message = "Purge {Kind} {Value} (soft: {Soft}) incomplete: {Count} entries purged, did not reach {Unreached}; answered 503")]
    private static partial void LogPurgeIncomplete(ILogger logger, string kind, string value, bool soft, int count, string unreached);
}
