using EdgeCache.Caching.Entries;

namespace EdgeCache.Caching.Stores;

internal enum PurgeKind
{
    /// <summary>One URL with all its variants: the key itself and every key that extends it (<c>key\n...</c>).</summary>
    Url,

    /// <summary>Every key that starts with the value.</summary>
    Prefix,

    /// <summary>Every entry carrying the tag.</summary>
    Tag,
}

/// <summary>A purge, in cache-key terms. Soft purges mark entries stale (still served if the origin fails) instead of deleting them.</summary>
internal sealed record PurgeRequest(PurgeKind Kind, string Value, bool Soft)
{
    public bool Matches(string key, string[] tags) => Kind switch
    {
        PurgeKind.Url => key == Value || key.StartsWith(Value + "\n", StringComparison.Ordinal),
        PurgeKind.Prefix => key.StartsWith(Value, StringComparison.Ordinal),
        _ => Array.IndexOf(tags, Value) >= 0,
    };

    /// <summary>The entry a soft purge leaves: stale now, no stale-while-revalidate, its stale-if-error window kept.</summary>
    public static CacheEntry MarkStale(CacheEntry entry) => entry.Kind != CacheEntryKind.Response ? entry : entry with
    {
        FreshnessLifetime = TimeSpan.Zero,
        StaleWhileRevalidate = TimeSpan.Zero,
        StaleIfError = entry.FreshnessLifetime + entry.StaleIfError, // the same end of grace as before
    };
}

/// <summary>A purge that did not reach everything it should have: it took effect where it could, and says where not.</summary>
internal sealed class PurgeIncompleteException(int purged, string unreached)
    : Exception($"the purge did not reach {unreached}")
{
    /// <summary>Entries purged where the purge did arrive.</summary>
    public int Purged { get; } = purged;

    public string Unreached { get; } = unreached;
}
