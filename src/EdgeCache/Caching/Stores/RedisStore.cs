using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using EdgeCache.Caching.Entries;
using EdgeCache.Diagnostics;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace EdgeCache.Caching.Stores;

/// <summary>
/// The shared tier for several edge nodes. Entry bytes go through the ecosystem's
/// <see cref="IDistributedCache"/> (Redis's <c>RedisCache</c>, any provider works); what
/// <see cref="IDistributedCache"/> has no words for, the purge indexes and the purge channel, goes
/// through the same StackExchange.Redis multiplexer directly. Keys (layout 2, beside any keys of
/// the earlier layout, which expire by themselves):
/// <code>
/// {prefix}v2:e:{cache key}      the entry (checksummed binary), expiring at the end of its longest stale window
/// {prefix}v2:t:{tag}            sorted set of cache keys carrying the tag, scored by when each stops being useful
/// {prefix}v2:p:{key up to a /}  the same for every key at or below that path, at each of the first
///                               <see cref="IndexedLevels"/> levels (prefix purges reach every depth)
/// {prefix}v2:u:{url}            the same for the variants of a URL (Vary, key headers): URL purges read only these
/// {prefix}purge                 pub/sub channel: purges reach every node's memory tier
/// </code>
/// Every command touches one key, so the tier works on one server, a primary with replicas and a
/// Redis Cluster alike (no cross-slot operation). Indexes are written before the entry (an entry
/// no index names could never be purged; a member whose entry is gone is harmless), take their
/// time from the Redis server (nodes' clocks may differ), drop their dead members whenever written
/// and expire with their longest-lived member. What one response can make EdgeCache write is
/// bounded: keys over <see cref="MaxSharedKeyLength"/> characters or with over
/// <see cref="MaxIndexedTags"/> tags stay out of the shared tier. Redis down or slow never fails a
/// request: every operation is bounded by <see cref="RedisStoreOptions.Timeout"/>, commands fail at
/// once while a server is unreachable (fail-fast backlog), a failure is a miss, state changes are
/// logged once per server, and the client reconnects by itself.
/// </summary>
internal sealed partial class RedisStore : ICacheStore, IReportsStatistics
{
    /// <summary>
    /// One index, one key, the server's clock: add or extend the member (ARGV[1]) for ARGV[2] ms,
    /// drop members dead by now, keep the set as long as its longest member.
    /// </summary>
    private const string IndexScript = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local keep = tonumber(ARGV[2])
        redis.call('ZADD', KEYS[1], 'GT', now + keep, ARGV[1])
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. now)
        if redis.call('PTTL', KEYS[1]) < keep then redis.call('PEXPIRE', KEYS[1], keep) end
        """;

    /// <summary>Path levels with an index of their own (<c>/</c>, <c>/a/</c>, ... <c>/a/b/c/d/e/</c>); deeper prefixes read the deepest and filter.</summary>
    internal const int IndexedLevels = 6;

    /// <summary>Tags of one entry the shared tier indexes; an entry with more stays out of it.</summary>
    internal const int MaxIndexedTags = 64;

    /// <summary>The longest cache key the shared tier takes (each index names the key).</summary>
    internal const int MaxSharedKeyLength = 2048;

    private const int PurgeBatch = 256;

    private readonly IDistributedCache _entries;
    private readonly IConnectionMultiplexer _connection;
    private readonly string _prefix;
    private readonly string _space;
    private readonly TimeSpan _timeout;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _node = Guid.NewGuid().ToString("N");
    private readonly ConcurrentDictionary<string, bool> _serversUp = new();
    private readonly RedisBreaker _breaker = new();
    private long _corrupt;

    public RedisStore(IDistributedCache entries, IConnectionMultiplexer connection, RedisStoreOptions options, TimeProvider time,
        ILogger<RedisStore> logger)
    {
        _entries = entries;
        _connection = connection;
        _prefix = options.InstancePrefix;
        _space = Namespace(options);
        _timeout = options.Timeout;
        _time = time;
        _logger = logger;
        _connection.ConnectionFailed += (_, e) => OnServerChange(e.EndPoint, e.ConnectionType, up: false, e.Exception?.Message ?? e.FailureType.ToString());
        _connection.ConnectionRestored += (_, e) => OnServerChange(e.EndPoint, e.ConnectionType, up: true, null);
        // Not bounded by the per-operation timeout (a busy start-up must not fail the node): the
        // handler is registered at once and (re)subscribed by the client whenever it connects.
        var subscribed = _connection.GetSubscriber().SubscribeAsync(PurgeChannel, (_, message) => OnPurgeMessage(message));
        subscribed.ContinueWith(t => LogRedisDown(_logger, "purge channel: " + t.Exception?.InnerException?.Message),
            CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        try
        {
            subscribed.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // Reported above; the client resubscribes when the connection comes back.
        }
        if (!_connection.IsConnected)
        {
            foreach (var endPoint in _connection.GetEndPoints())
            {
                OnServerChange(endPoint, ConnectionType.Interactive, up: false, "not reachable at start-up");
            }
        }
    }

    /// <summary>
    /// The options of the one multiplexer: never throws at start-up while Redis is down
    /// (<c>abortConnect=false</c>), fails commands at once while disconnected instead of queueing
    /// them, and bounds every command by <see cref="RedisStoreOptions.Timeout"/> (in milliseconds).
    /// </summary>
    public static ConfigurationOptions ConnectionOptions(RedisStoreOptions options)
    {
        var configuration = ConfigurationOptions.Parse(options.Configuration!);
        var timeout = (int)Math.Ceiling(options.Timeout.TotalMilliseconds);
        configuration.AbortOnConnectFail = false;
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        configuration.ConnectTimeout = Math.Max(1000, timeout);
        configuration.SyncTimeout = Math.Max(100, timeout);
        configuration.AsyncTimeout = Math.Max(100, timeout);
        configuration.KeepAlive = 5;
        configuration.ConnectRetry = 1;
        // Back within about a second of Redis answering again, however long it was away (the
        // default exponential policy waits longer and longer between attempts).
        configuration.ReconnectRetryPolicy = new LinearRetry(1000);
        return configuration;
    }

    /// <summary>The prefix of every key of this layout; the <see cref="IDistributedCache"/>'s instance name.</summary>
    public static string Namespace(RedisStoreOptions options) => options.InstancePrefix + "v2:";

    public string Name => "redis";

    public bool IsConnected => _connection.IsConnected;

    /// <summary>Connected and answering: not skipped by the circuit breaker.</summary>
    public bool IsUsable => _connection.IsConnected && !_breaker.IsOpen;

    public long CorruptEntries => Interlocked.Read(ref _corrupt);

    public TierStatistics Statistics => new(Name, null, null, null, CorruptEntries, null);

    /// <summary>A purge published by another node.</summary>
    public event Action<PurgeRequest>? PurgeReceived;

    /// <summary>A server came back: this node may have missed purges meanwhile.</summary>
    public event Action? Reconnected;

    public async ValueTask<CacheEntry?> GetAsync(string key, CancellationToken cancellationToken)
    {
        if (!IsUsable)
        {
            return null;
        }
        var value = await Guarded(_entries.GetAsync(EntryName(key), cancellationToken), cancellationToken);
        if (value is null)
        {
            return null;
        }
        var entry = CacheEntryFormatter.Deserialize(value);
        if (entry is null && CacheEntryFormatter.IsEarlierFormat(value))
        {
            // Written by an earlier EdgeCache: a miss, replaced by the next write.
            await Bounded(_entries.RemoveAsync(EntryName(key), cancellationToken), cancellationToken);
            return null;
        }
        if (entry is null || entry.Key != key)
        {
            Interlocked.Increment(ref _corrupt);
            LogCorruptEntry(_logger, key);
            await Bounded(_entries.RemoveAsync(EntryName(key), cancellationToken), cancellationToken);
            return null;
        }
        return entry;
    }

    public async ValueTask SetAsync(CacheEntry entry, CancellationToken cancellationToken)
    {
        if (!IsUsable)
        {
            return;
        }
        // Redis keeps a key for whole seconds (RedisCache stores nothing under a second).
        var ttl = TimeToKeep(entry, _time.GetUtcNow());
        if (ttl < TimeSpan.FromSeconds(1) || entry.Key.Length > MaxSharedKeyLength || entry.Tags.Length > MaxIndexedTags)
        {
            // Not shared; an older copy must not come back from here either.
            await RemoveAsync(entry.Key, cancellationToken);
            return;
        }

        // Indexes first, one command each (each may live on another cluster node), sent together:
        // the entry is written only once every purge can find it.
        RedisValue[] args = [entry.Key, (long)Math.Ceiling(ttl.TotalMilliseconds)];
        var database = Database;
        await Guarded(Task.WhenAll(Indexes(entry).Select(index => database.ScriptEvaluateAsync(IndexScript, [index], args))), cancellationToken);
        await Guarded(_entries.SetAsync(EntryName(entry.Key), CacheEntryFormatter.Serialize(entry),
            new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = ttl }, cancellationToken), cancellationToken);
    }

    /// <summary>Every index naming <paramref name="entry"/>: its tags, its path levels, its URL when it is a variant.</summary>
    private IEnumerable<RedisKey> Indexes(CacheEntry entry)
    {
        foreach (var tag in entry.Tags)
        {
            yield return TagIndex(tag);
        }
        foreach (var directory in Directories(entry.Key))
        {
            yield return DirectoryIndex(directory);
        }
        if (entry.Key.IndexOf('\n') is > 0 and var cut)
        {
            yield return UrlIndex(entry.Key[..cut]);
        }
    }

    public async ValueTask RemoveAsync(string key, CancellationToken cancellationToken)
    {
        if (IsUsable)
        {
            await Guarded(_entries.RemoveAsync(EntryName(key), cancellationToken), cancellationToken);
        }
    }

    /// <summary>
    /// Deletes (or marks stale) every entry the request names: a URL and the variants its URL index
    /// lists, or the members of the tag's index or of the deepest indexed path the prefix covers.
    /// Counts the entries that were there. Throws when an index or an entry cannot be reached in
    /// time, so the caller never reports a purge that did not happen.
    /// </summary>
    public async ValueTask<int> PurgeAsync(PurgeRequest request, CancellationToken cancellationToken)
    {
        if (!_connection.IsConnected)
        {
            throw new InvalidOperationException("Redis is not connected; the purge did not reach the shared tier");
        }
        if (_breaker.IsOpen)
        {
            throw new InvalidOperationException("Redis is not answering (skipped until a probe answers); the purge did not reach the shared tier");
        }
        var index = request.Kind switch
        {
            PurgeKind.Tag => TagIndex(request.Value),
            PurgeKind.Url => UrlIndex(request.Value),
            _ => DirectoryIndex(IndexedDirectory(Directory(request.Value))),
        };
        var database = Database;
        var keys = new HashSet<string>(StringComparer.Ordinal);
        if (request.Kind == PurgeKind.Url)
        {
            keys.Add(request.Value);
        }
        using (var scanTime = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            scanTime.CancelAfter(_timeout * 20);
            try
            {
                await foreach (var member in database.SortedSetScanAsync(index, pageSize: 1000).WithCancellation(scanTime.Token))
                {
                    var key = (string)member.Element!;
                    if (request.Kind == PurgeKind.Tag || request.Matches(key, []))
                    {
                        keys.Add(key);
                    }
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"reading the purge index took over {(_timeout * 20).TotalSeconds:0.#} s; {keys.Count} keys found so far");
            }
        }
        var count = 0;
        foreach (var batch in keys.Chunk(PurgeBatch))
        {
            var done = request.Soft
                ? await Bounded(Task.WhenAll(batch.Select(key => MarkStaleAsync(key, cancellationToken))), cancellationToken)
                : await Bounded(Task.WhenAll(batch.Select(key => database.KeyDeleteAsync(_space + EntryName(key)))), cancellationToken);
            count += done.Count(d => d);
            if (!request.Soft)
            {
                await Bounded(database.SortedSetRemoveAsync(index, batch.Select(key => (RedisValue)key).ToArray()), cancellationToken);
            }
        }
        return count;
    }

    /// <summary>Tells every other node to apply the purge to its memory tier.</summary>
    public async Task PublishPurgeAsync(PurgeRequest request, CancellationToken cancellationToken)
    {
        var message = JsonSerializer.Serialize(new PurgeMessage(_node, request.Kind, request.Value, request.Soft));
        await Bounded(_connection.GetSubscriber().PublishAsync(PurgeChannel, message), cancellationToken);
    }

    private async Task<bool> MarkStaleAsync(string key, CancellationToken cancellationToken)
    {
        if (await GetAsync(key, cancellationToken) is not { } entry)
        {
            return false;
        }
        await SetAsync(PurgeRequest.MarkStale(entry), cancellationToken);
        return true;
    }

    private IDatabase Database => _connection.GetDatabase();

    private RedisChannel PurgeChannel => RedisChannel.Literal(_prefix + "purge");

    /// <summary>The entry's name in the <see cref="IDistributedCache"/>, whose instance name is the prefix.</summary>
    internal static string EntryName(string key) => "e:" + key;

    private RedisKey TagIndex(string tag) => _space + "t:" + tag;

    private RedisKey DirectoryIndex(string directory) => _space + "p:" + directory;

    private RedisKey UrlIndex(string url) => _space + "u:" + url;

    /// <summary>Until the end of the entry's longest stale window: Redis drops dead entries by itself.</summary>
    private static TimeSpan TimeToKeep(CacheEntry entry, DateTimeOffset now) =>
        entry.Kind == CacheEntryKind.VaryMarker ? TimeSpan.FromDays(1) : entry.ResponseTime + entry.UsefulLifetime - now;

    /// <summary>The key up to the last '/' of its path: the deepest index a key, or a purge of it, belongs to.</summary>
    internal static string Directory(string key)
    {
        var end = key.IndexOfAny(['?', '\n']);
        var path = end < 0 ? key : key[..end];
        var slash = path.LastIndexOf('/');
        return slash < 0 ? path : path[..(slash + 1)];
    }

    /// <summary>
    /// Every indexed path level a key sits at or below, from the site's root to its own directory
    /// or the <see cref="IndexedLevels"/>th level (<c>GET http://h/</c>, <c>GET http://h/news/</c>,
    /// <c>GET http://h/news/2024/</c>), so a prefix purge finds the keys of every depth below it in one index.
    /// </summary>
    internal static IEnumerable<string> Directories(string key)
    {
        var own = Directory(key);
        var scheme = own.IndexOf("://", StringComparison.Ordinal);
        var slash = scheme < 0 ? -1 : own.IndexOf('/', scheme + 3);
        if (slash < 0)
        {
            yield return own;
            yield break;
        }
        for (var level = 0; slash >= 0 && level < IndexedLevels; level++)
        {
            yield return own[..(slash + 1)];
            slash = own.IndexOf('/', slash + 1);
        }
    }

    /// <summary>The index a purge of <paramref name="directory"/> reads: itself, or its deepest indexed ancestor.</summary>
    internal static string IndexedDirectory(string directory) => Directories(directory).LastOrDefault() ?? directory;

    private async Task<T> Bounded<T>(Task<T> operation, CancellationToken cancellationToken) =>
        await operation.WaitAsync(_timeout, _time, cancellationToken);

    /// <summary>A reader-facing operation, bounded and counted by the circuit breaker.</summary>
    private async Task<T> Guarded<T>(Task<T> operation, CancellationToken cancellationToken)
    {
        try
        {
            var result = await Bounded(operation, cancellationToken);
            _breaker.Succeeded();
            return result;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && IsRedisFailure(ex))
        {
            if (_breaker.Failed())
            {
                LogBreakerOpened(_logger, RedisBreaker.Threshold, ex.Message);
                _ = ProbeUntilAnsweredAsync();
            }
            throw;
        }
    }

    private async Task Guarded(Task operation, CancellationToken cancellationToken) => await Guarded(Done(operation), cancellationToken);

    private static async Task<bool> Done(Task operation)
    {
        await operation;
        return true;
    }

    private static bool IsRedisFailure(Exception ex) => ex is TimeoutException or RedisException;

    /// <summary>While the breaker is open: every second, a PING to every primary; the first round all answer in time closes it.</summary>
    private async Task ProbeUntilAnsweredAsync()
    {
        while (_breaker.IsOpen)
        {
            try
            {
                await Task.Delay(ProbeInterval, _time);
                var primaries = _connection.GetServers().Where(server => !server.IsReplica).ToList();
                await Bounded(Task.WhenAll(primaries.Select(server => server.PingAsync())), CancellationToken.None);
                if (_breaker.Close())
                {
                    LogBreakerClosed(_logger);
                    Reconnected?.Invoke(); // purges may have been missed meanwhile
                }
            }
            catch (Exception ex)
            {
                // Still not answering (or anything else went wrong): the next probe in a second.
                LogProbeFailed(_logger, ex.Message);
            }
        }
    }

    private static readonly TimeSpan ProbeInterval = TimeSpan.FromSeconds(1);

    private async Task Bounded(Task operation, CancellationToken cancellationToken) =>
        await operation.WaitAsync(_timeout, _time, cancellationToken);

    /// <summary>Logs each server's change of state once; a server coming back may have missed purges.</summary>
    private void OnServerChange(EndPoint? endPoint, ConnectionType type, bool up, string? reason)
    {
        var server = endPoint is null ? "redis" : EndPointText(endPoint);
        var wasUp = _serversUp.GetOrAdd(server, true);
        if (wasUp == up || !_serversUp.TryUpdate(server, up, wasUp))
        {
            return; // already known: log once per state change
        }
        if (up)
        {
            LogRedisUp(_logger, server);
            Reconnected?.Invoke();
        }
        else
        {
            LogRedisDown(_logger, $"{server}, {type.ToString().ToLowerInvariant()} connection: {reason ?? "unknown"}");
        }
    }

    private static string EndPointText(EndPoint endPoint) => endPoint switch
    {
        IPEndPoint ip => ip.ToString(),
        DnsEndPoint dns => $"{dns.Host}:{dns.Port}",
        _ => endPoint.ToString() ?? "redis",
    };

    private void OnPurgeMessage(RedisValue message)
    {
        try
        {
            var purge = JsonSerializer.Deserialize<PurgeMessage>((string)message!);
            if (purge is not null && purge.Node != _node)
            {
                PurgeReceived?.Invoke(new PurgeRequest(purge.Kind, purge.Value, purge.Soft));
            }
        }
        catch (JsonException ex)
        {
            LogBadPurgeMessage(_logger, ex);
        }
    }

    private sealed record PurgeMessage(string Node, PurgeKind Kind, string Value, bool Soft);

    [LoggerMessage(EventId = EventIds.RedisDown, EventName = nameof(EventIds.RedisDown), Level = LogLevel.Warning,
        Message = "Redis tier unavailable ({Reason}); serving from memory and reconnecting in the background")]
    private static partial void LogRedisDown(ILogger logger, string reason);

    [LoggerMessage(EventId = EventIds.RedisUp, EventName = nameof(EventIds.RedisUp), Level = LogLevel.Information, Message = "Redis tier connected: {Server}")]
    private static partial void LogRedisUp(ILogger logger, string server);

    [LoggerMessage(EventId = EventIds.RedisSkipped, EventName = nameof(EventIds.RedisSkipped), Level = LogLevel.Warning,
        Message = "Redis tier skipped after {Failures} failed operations in a row ({Reason}); serving from memory, probing every second")]
    private static partial void LogBreakerOpened(ILogger logger, int failures, string reason);

    [LoggerMessage(EventId = EventIds.RedisProbeFailed, EventName = nameof(EventIds.RedisProbeFailed), Level = LogLevel.Debug,
        Message = "Redis probe failed: {Reason}")]
    private static partial void LogProbeFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = EventIds.RedisAnswering, EventName = nameof(EventIds.RedisAnswering), Level = LogLevel.Information,
        Message = "Redis tier answering again: no longer skipped")]
    private static partial void LogBreakerClosed(ILogger logger);

    [LoggerMessage(EventId = EventIds.RedisCorruptEntry, EventName = nameof(EventIds.RedisCorruptEntry), Level = LogLevel.Warning, Message = "Dropped a corrupt Redis entry for {Key}")]
    private static partial void LogCorruptEntry(ILogger logger, string key);

    [LoggerMessage(EventId = EventIds.RedisBadPurgeMessage, EventName = nameof(EventIds.RedisBadPurgeMessage), Level = LogLevel.Warning, Message = "Ignored an unreadable purge message")]
    private static partial void LogBadPurgeMessage(ILogger logger, Exception exception);
}
