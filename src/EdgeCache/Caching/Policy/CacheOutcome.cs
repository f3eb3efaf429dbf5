namespace EdgeCache.Caching.Policy;

/// <summary>What happened to a request, in one vocabulary: the <c>outcome</c> metric label and the access-log word.</summary>
internal enum CacheOutcome
{
    /// <summary>Served from the cache: fresh, or within stale-while-revalidate.</summary>
    Hit,

    /// <summary>A stale copy served because the origin failed, was slow past the deadline, or is down.</summary>
    Stale,

    /// <summary>Fetched from the origin and stored.</summary>
    Miss,

    /// <summary>A stored copy confirmed by the origin (304).</summary>
    Revalidated,

    /// <summary>Not for the cache (method, rule, credentials): forwarded untouched.</summary>
    Bypass,

    /// <summary>Fetched from the origin for this reader only: the response may not be stored.</summary>
    Uncacheable,

    /// <summary>Larger than the largest object stored: streamed through, uncached.</summary>
    TooLarge,

    /// <summary>The friendly error page: the origin failed and nothing servable was stored.</summary>
    ErrorPage,

    /// <summary>The reader went away before the answer.</summary>
    ClientAbort,
}

internal static class CacheOutcomeNames
{
    /// <summary>The metric label and access-log word (no allocation).</summary>
    public static string Label(this CacheOutcome outcome) => outcome switch
    {
        CacheOutcome.Hit => "hit",
        CacheOutcome.Stale => "stale",
        CacheOutcome.Miss => "miss",
        CacheOutcome.Revalidated => "revalidated",
        CacheOutcome.Bypass => "bypass",
        CacheOutcome.Uncacheable => "uncacheable",
        CacheOutcome.TooLarge => "too_large",
        CacheOutcome.ErrorPage => "error_page",
        _ => "client_abort",
    };
}
