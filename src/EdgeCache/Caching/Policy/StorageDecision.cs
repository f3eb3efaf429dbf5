using EdgeCache.Caching.Entries;

namespace EdgeCache.Caching.Policy;

/// <summary>Whether a response may be stored, why, and the timings it would be stored with.</summary>
internal readonly record struct StorageDecision(
    bool Storable,
    string Reason,
    TimeSpan FreshnessLifetime = default,
    TimeSpan StaleWhileRevalidate = default,
    TimeSpan StaleIfError = default,
    TimeSpan InitialAge = default,
    CacheEntryFlags Flags = CacheEntryFlags.None)
{
    public static StorageDecision No(string reason) => new(false, reason);
}
