using EdgeCache.Caching.Keys;
using EdgeCache.Caching.Stores;
using EdgeCache.Metrics;
using EdgeCache.Rules;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using EdgeCache.Diagnostics;

namespace EdgeCache.Admin;

/// <summary>
/// Purges every tier of this node and tells the other nodes (Redis pub/sub) to purge their memory
/// tiers. A node whose Redis connection comes back clears its memory tier, since it may have
/// missed purges meanwhile.
/// </summary>
internal sealed partial class PurgeService
{
    private readonly TieredStore _store;
    private readonly RedisStore? _redis;
    private readonly RuleSetProvider _rules;
    private readonly EdgeCacheMetrics _metrics;
    private readonly ILogger _logger;

    public PurgeService(TieredStore store, RuleSetProvider rules, EdgeCacheMetrics metrics, ILogger<PurgeService> logger)
    {
        _store = store;
        _redis = store.Persistent as RedisStore;
        _rules = rules;
        _metrics = metrics;
        _logger = logger;
        if (_redis is not null)
        {
            _redis.PurgeReceived += request => _ = _store.Memory.PurgeAsync(request, CancellationToken.None).AsTask();
            _redis.Reconnected += () =>
            {
                _store.Memory.Clear();
                LogMemoryCleared(_logger);
            };
        }
    }

    public async Task<int> PurgeAsync(PurgeRequest request, CancellationToken cancellationToken)
    {
        var count = await _store.PurgeAsync(request, cancellationToken);
        if (_redis is not null)
        {
            try
            {
                await _redis.PublishPurgeAsync(request, cancellationToken);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                LogPublishFailed(_logger, ex);
            }
        }
        _metrics.Purge(request.Kind.ToString().ToLowerInvariant());
        LogPurged(_logger, request.Kind.ToString(), request.Value, request.Soft, count);
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
        var key = CacheKeys.Primary(request, _rules.Current.Match(request.Host, request.Path.Value ?? "/"));
        var cut = key.IndexOf('\n');
        return cut < 0 ? key : key[..cut];
    }

    [LoggerMessage(EventId = EventIds.Purged, EventName = nameof(EventIds.Purged), Level = LogLevel.Information,
        Message = "Purge {Kind} {Value} (soft: {Soft}): {Count} entries")]
    private static partial void LogPurged(ILogger logger, string kind, string value, bool soft, int count);

    [LoggerMessage(EventId = EventIds.PurgePublishFailed, EventName = nameof(EventIds.PurgePublishFailed), Level = LogLevel.Warning,
        Message = "The purge could not be sent to the other nodes; their memory tiers keep the entries until they expire or reconnect")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = EventIds.MemoryClearedOnReconnect, EventName = nameof(EventIds.MemoryClearedOnReconnect), Level = LogLevel.Information,
        Message = "Redis reconnected: memory tier cleared, since purges may have been missed")]
    private static partial void LogMemoryCleared(ILogger logger);
}
