namespace EdgeCache.Caching.Stores;

/// <summary>The shared Redis tier, <c>EdgeCache:Storage:Redis</c>; absent configuration means no Redis.</summary>
public sealed class RedisStoreOptions
{
    /// <summary>A StackExchange.Redis connection string, e.g. <c>127.0.0.1:6379</c> (<c>--redis</c>).</summary>
    public string? Configuration { get; set; }

    /// <summary>Prefix of every key, so several sites or environments can share one server.</summary>
    public string InstancePrefix { get; set; } = "edgecache:";

    /// <summary>Longest wait on Redis for one operation; past it the operation counts as a miss.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMilliseconds(250);
}
