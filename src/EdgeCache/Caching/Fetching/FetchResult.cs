using EdgeCache.Caching.Entries;
using EdgeCache.Origin;

namespace EdgeCache.Caching.Fetching;

internal enum FetchKind
{
    /// <summary>A new response was stored; anyone whose key it matches may use it.</summary>
    Stored,

    /// <summary>The origin answered 304: the stored copy was refreshed and may be used.</summary>
    Revalidated,

    /// <summary>A response that must not be shared: only the leader's reader gets it; waiters fetch their own.</summary>
    Uncacheable,

    /// <summary>Too large to store: the leader's reader got it streamed; waiters fetch their own.</summary>
    TooLarge,

    /// <summary>The origin failed (transport error, timeout, 5xx).</summary>
    Failed,
}

/// <summary>The shared outcome of one origin fetch.</summary>
/// <param name="Kind">What happened.</param>
/// <param name="Entry">The stored entry, or for <see cref="FetchKind.Uncacheable"/> a transient one holding the response.</param>
/// <param name="Origin">The raw origin response.</param>
/// <param name="Detail">Why, for Cache-Status (storage refusal reason or failure kind).</param>
internal sealed record FetchResult(FetchKind Kind, CacheEntry? Entry, OriginResponse Origin, string Detail);
