namespace EdgeCache.Caching;

/// <summary>Cache behaviour from <c>EdgeCache:Cache</c>.</summary>
public sealed class CacheOptions
{
    /// <summary>Its configuration section.</summary>
    public const string Section = "EdgeCache:Cache";

    /// <summary>
    /// Honour a client's <c>Cache-Control: no-cache</c> / <c>max-age=0</c> / <c>Pragma: no-cache</c>.
    /// Off by default, as on CDNs, so a reload storm cannot bypass the cache.
    /// </summary>
    public bool HonourClientCacheControl { get; set; }

    /// <summary>Largest response body stored; larger ones stream through uncached.</summary>
    public long MaxObjectBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>Heuristic freshness as a fraction of the time since Last-Modified (RFC 9111 4.2.2).</summary>
    public double HeuristicFraction { get; set; } = 0.1;

    /// <summary>Upper bound of heuristic freshness.</summary>
    public TimeSpan HeuristicMaxAge { get; set; } = TimeSpan.FromDays(1);

    /// <summary>
    /// Stale-while-revalidate window (grace) for responses and rules that give none, as Varnish's
    /// default grace: a just-expired page is served at once while one background request
    /// revalidates it, so no reader waits on the origin for it. Never applied where the origin
    /// forbids serving stale (no-cache, must-revalidate, proxy-revalidate, s-maxage).
    /// </summary>
    public TimeSpan DefaultStaleWhileRevalidate { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Send the origin's <c>Surrogate-Key</c> and <c>Cache-Tag</c> fields on to readers. Off by
    /// default: EdgeCache consumes them as tags (as Fastly and Cloudflare do); turn it on when a
    /// downstream CDN purges by them too.
    /// </summary>
    public bool ForwardTagHeaders { get; set; }

    /// <summary>Stale-if-error window (grace) for responses and rules that give none.</summary>
    public TimeSpan DefaultStaleIfError { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// The RFC 9213 target list, most specific first: the first of these fields that is present and a
    /// valid Structured Field Dictionary replaces <c>Cache-Control</c> and <c>Expires</c> for
    /// EdgeCache's own storage and freshness, so a publisher can cache at the edge what browsers must
    /// not (<c>Cache-Control: no-store</c> with <c>CDN-Cache-Control: max-age=60</c>). Null: the
    /// default, <c>EdgeCache-Cache-Control</c> then <c>CDN-Cache-Control</c>; empty: none (only
    /// <c>Cache-Control</c> counts). A null default, not a filled list, because the configuration
    /// binder adds configured items to a list's existing ones.
    /// </summary>
    public List<string>? TargetedFields { get; set; }

    /// <summary>
    /// An empty JSON array (<c>"TargetedFields": []</c>) reaches the configuration as an empty value,
    /// which the binder leaves null (the default list): read as the empty list it says.
    /// </summary>
    internal static void ReadEmptyLists(CacheOptions options, Microsoft.Extensions.Configuration.IConfiguration section)
    {
        if (options.TargetedFields is null && section[nameof(TargetedFields)] is "")
        {
            options.TargetedFields = [];
        }
    }

    /// <summary>The target list in effect: <see cref="TargetedFields"/>, or the default.</summary>
    internal IReadOnlyList<string> TargetList => TargetedFields ?? (IReadOnlyList<string>)Policy.TargetedCacheControl.DefaultFields;
}
