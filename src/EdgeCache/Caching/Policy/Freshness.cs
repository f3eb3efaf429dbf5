namespace EdgeCache.Caching.Policy;

internal enum Freshness
{
    /// <summary>Within its freshness lifetime: serve it.</summary>
    Fresh,

    /// <summary>Stale but within stale-while-revalidate: serve it and refresh in the background.</summary>
    StaleWhileRevalidate,

    /// <summary>Must be revalidated or refetched before use.</summary>
    Stale,
}
