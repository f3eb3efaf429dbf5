using System.Text.Json;
using EdgeCache.Caching.Entries;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using EdgeCache.Diagnostics;

namespace EdgeCache.Caching.Stores;

/// <summary>
/// The shared tier for several edge nodes (StackExchange.Redis 1.2.6 behind <see cref="ICacheStore"/>,
/// so another client version is a change to this file only). Keys carry the instance prefix:
/// <code>
/// {prefix}e:{cache key}     the entry (checksummed binary), expiring at the end of its longest stale window
/// {prefix}t:{tag}           set of cache keys carrying the tag
/// {prefix}p:{key up to a /} set of cache keys under that path (prefix and URL purges)
/// {prefix}purge             pub/sub channel: purges reach every node's memory tier
/// </code>
/// Index sets expire with their longest-lived member and lose members on purge, so neither
/// purges nor Redis's memory grow without bound. Redis down or slow never fails a request:
/// every operation is bounded by <see cref="RedisStoreOptions.Timeout"/>, a disconnected tier is a
/// miss, state changes are logged once, and the client reconnects by itself.
/// </summary>
internal sealed partial class RedisStore : ICacheStore, IReportsStatistics, IDisposable
{
    private const string IndexScript = """
        for i, k in ipairs(KEYS) do
          redis.call('SADD', k, ARGV[1])
          if redis.call('TTL', k) < tonumber(ARGV[2]) then redis.call('EXPIRE', k, ARGV[2]) end
        end
        """;

    private readonly ConnectionMultiplexer _connection;
    private readonly string _prefix;
    private readonly TimeSpan _timeout;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _node = Guid.NewGuid().ToString("N");
    private long _corrupt;
    private int _up = 1;

    public RedisStore(RedisStoreOptions options, TimeProvider time, ILogger<RedisStore> logger)
    {
        _prefix = options.InstancePrefix;
        _timeout = options.Timeout;
        _time = time;
        _logger = logger;
        var configuration = ConfigurationOptions.Parse(options.Configuration!);
        configuration.AbortOnConnectFail = false;
        configuration.ConnectTimeout = (int)Math.Max(1000, _timeout.TotalMilliseconds);
        configuration.SyncTimeout = (int)Math.Max(100, _timeout.TotalMilliseconds);
        configuration.AsyncTimeout = configuration.SyncTimeout;
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        configuration.KeepAlive = 5;
        configuration.ConnectRetry = 1;
        _connection = ConnectionMultiplexer.Connect(configuration);
        _connection.ConnectionFailed += (_, e) => OnStateChange(up: false, e.Exception?.Message ?? e.FailureType.ToString());
        _connection.ConnectionRestored += (_, _) => OnStateChange(up: true, null);
        // Not bounded by the per-operation timeout (a busy start-up must not fail the node): the
        // handler is registered at once and (re)subscribed by the client whenever it connects.
        var subscribed = _connection.GetSubscriber().SubscribeAsync(RedisChannel.Literal(_prefix + "purge"), (_, message) => OnPurgeMessage(message));
        subscribed.ContinueWith(t => OnStateChange(up: false, "purge channel: " + t.Exception?.InnerException?.Message),
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
            OnStateChange(up: false, "not reachable at start-up");
        }
    }

    public string Name => "redis";

    public bool IsConnected => _connection.IsConnected;

    public long CorruptEntries => Interlocked.Read(ref _corrupt);

    public TierStatistics Statistics => new(Name, null, null, null, CorruptEntries, null);

    /// <summary>A purge published by another node.</summary>
    public event Action<PurgeRequest>? PurgeReceived;

    /// <summary>The connection came back: this node may have missed purges meanwhile.</summary>
    public event Action? Reconnected;

    public async ValueTask<CacheEntry?> GetAsync(string key, CancellationToken cancellationToken)
    {
        if (!_connection.IsConnected)
        {
            return null;
        }
        var value = (byte[]?)await Bounded(Database.StringGetAsync(EntryKey(key)), cancellationToken);
        if (value is null)
        {
            return null;
        }
        var entry = CacheEntryFormatter.Deserialize(value);
        if (entry is null || entry.Key != key)
        {
            Interlocked.Increment(ref _corrupt);
            LogCorruptEntry(_logger, key);
            await Bounded(Database.KeyDeleteAsync(EntryKey(key)), cancellationToken);
            return null;
        }
        return entry;
    }

    public async ValueTask SetAsync(CacheEntry entry, CancellationToken cancellationToken)
    {
        if (!_connection.IsConnected)
        {
            return;
        }
        var ttl = TimeToKeep(entry);
        if (ttl <= TimeSpan.Zero)
        {
            return;
        }
        var data = CacheEntryFormatter.Serialize(entry);
        await Bounded(Database.StringSetAsync(EntryKey(entry.Key), data, ttl), cancellationToken);
        var indexes = entry.Tags.Select(t => (RedisKey)(_prefix + "t:" + t)).Append(_prefix + "p:" + Directory(entry.Key)).ToArray();
        await Bounded(Database.ScriptEvaluateAsync(IndexScript, indexes, [entry.Key, (long)Math.Ceiling(ttl.TotalSeconds)]), cancellationToken);
    }

    public async ValueTask RemoveAsync(string key, CancellationToken cancellationToken)
    {
        if (_connection.IsConnected)
        {
            await Bounded(Database.KeyDeleteAsync(EntryKey(key)), cancellationToken);
        }
    }

    public async ValueTask<int> PurgeAsync(PurgeRequest request, CancellationToken cancellationToken)
    {
        if (!_connection.IsConnected)
        {
            throw new InvalidOperationException("Redis is not connected; the purge did not reach the shared tier");
        }
        var index = request.Kind == PurgeKind.Tag ? _prefix + "t:" + request.Value : _prefix + "p:" + Directory(request.Value);
        var members = await Bounded(Database.SetMembersAsync(index), cancellationToken);
        var count = 0;
        foreach (var member in members)
        {
            string key = member!;
            if (request.Kind != PurgeKind.Tag && !request.Matches(key, []))
            {
                continue;
            }
            count++;
            if (request.Soft)
            {
                if (await GetAsync(key, cancellationToken) is { } entry)
                {
                    await SetAsync(PurgeRequest.MarkStale(entry), cancellationToken);
                }
            }
            else
            {
                await Bounded(Database.KeyDeleteAsync(EntryKey(key)), cancellationToken);
                await Bounded(Database.SetRemoveAsync(index, member), cancellationToken);
            }
        }
        return count;
    }

    /// <summary>Tells every other node to apply the purge to its memory tier.</summary>
    public async Task PublishPurgeAsync(PurgeRequest request, CancellationToken cancellationToken)
    {
        var message = JsonSerializer.Serialize(new PurgeMessage(_node, request.Kind, request.Value, request.Soft));
        await Bounded(_connection.GetSubscriber().PublishAsync(RedisChannel.Literal(_prefix + "purge"), message), cancellationToken);
    }

    public void Dispose() => _connection.Dispose();

    private IDatabase Database => _connection.GetDatabase();

    private RedisKey EntryKey(string key) => _prefix + "e:" + key;

    /// <summary>Until the end of the entry's longest stale window: Redis drops dead entries by itself.</summary>
    private TimeSpan TimeToKeep(CacheEntry entry) =>
        entry.Kind == CacheEntryKind.VaryMarker ? TimeSpan.FromDays(1) : entry.ResponseTime + entry.UsefulLifetime - _time.GetUtcNow();

    /// <summary>The key up to the last '/' of its path: the prefix index a key belongs to.</summary>
    internal static string Directory(string key)
    {
        var end = key.IndexOfAny(['?', '\n']);
        var path = end < 0 ? key : key[..end];
        var slash = path.LastIndexOf('/');
        return slash < 0 ? path : path[..(slash + 1)];
    }

    private async Task<T> Bounded<T>(Task<T> operation, CancellationToken cancellationToken) =>
        await operation.WaitAsync(_timeout, _time, cancellationToken);

    private void OnStateChange(bool up, string? reason)
    {
        if (Interlocked.Exchange(ref _up, up ? 1 : 0) == (up ? 1 : 0))
        {
            return; // already known: log once per state change
        }
        if (up)
        {
            LogRedisUp(_logger);
            Reconnected?.Invoke();
        }
        else
        {
            LogRedisDown(_logger, reason ?? "unknown");
        }
    }

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

    [LoggerMessage(EventId = EventIds.RedisUp, EventName = nameof(EventIds.RedisUp), Level = LogLevel.Information, Message = "Redis tier connected")]
    private static partial void LogRedisUp(ILogger logger);

    [LoggerMessage(EventId = EventIds.RedisCorruptEntry, EventName = nameof(EventIds.RedisCorruptEntry), Level = LogLevel.Warning, Message = "Dropped a corrupt Redis entry for {Key}")]
    private static partial void LogCorruptEntry(ILogger logger, string key);

    [LoggerMessage(EventId = EventIds.RedisBadPurgeMessage, EventName = nameof(EventIds.RedisBadPurgeMessage), Level = LogLevel.Warning, Message = "Ignored an unreadable purge message")]
    private static partial void LogBadPurgeMessage(ILogger logger, Exception exception);
}
