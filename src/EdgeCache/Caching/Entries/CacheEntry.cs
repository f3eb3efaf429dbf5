namespace EdgeCache.Caching.Entries;

internal enum CacheEntryKind : byte
{
    /// <summary>A stored response.</summary>
    Response = 1,

    /// <summary>
    /// Stored under the primary key of a response that has <c>Vary</c>: names the request headers
    /// that select the variant, whose own key adds their values.
    /// </summary>
    VaryMarker = 2,
}

[Flags]
internal enum CacheEntryFlags : byte
{
    None = 0,

    /// <summary>Must be revalidated before every use (<c>no-cache</c>).</summary>
    NoCache = 1,

    /// <summary>
    /// Fresh by heuristic only (RFC 9111 4.2.2): the origin never said it may be shared. Reused
    /// without validation only for readers without a cookie, who are all served the same page.
    /// </summary>
    HeuristicFreshness = 2,
}

/// <summary>
/// A stored response with everything the cache needs to decide on it later without re-parsing
/// headers: validators, freshness lifetime, stale windows and the age it had when received.
/// Immutable: a revalidation produces a new entry.
/// </summary>
internal sealed record CacheEntry
{
    public required string Key { get; init; }

    /// <summary>
    /// The site whose origin answered it (<see cref="Keys.CacheOwner"/>): only requests routed to that
    /// site are served it. Empty: nobody's (never served after routing).
    /// </summary>
    public string Owner { get; init; } = "";
    public CacheEntryKind Kind { get; init; } = CacheEntryKind.Response;
    public int StatusCode { get; init; }

    /// <summary>Response headers to replay, without hop-by-hop fields, Age and Content-Length.</summary>
    public KeyValuePair<string, string[]>[] Headers { get; init; } = [];

    /// <summary>The identity body: what the origin sent.</summary>
    public ReadOnlyMemory<byte> Body { get; init; }

    /// <summary>
    /// Compressed forms of <see cref="Body"/> made when stored (best first: Brotli, then gzip), so one
    /// key, one purge and one eviction cover every form; empty when the response is not compressed.
    /// </summary>
    public EncodedForm[] Encodings { get; init; } = [];

    /// <summary>When the response (or the 304 that last refreshed it) arrived.</summary>
    public DateTimeOffset ResponseTime { get; init; }

    /// <summary>RFC 9111 4.2.3 corrected_initial_age.</summary>
    public TimeSpan InitialAge { get; init; }

    public TimeSpan FreshnessLifetime { get; init; }
    public TimeSpan StaleWhileRevalidate { get; init; }
    public TimeSpan StaleIfError { get; init; }
    public CacheEntryFlags Flags { get; init; }
    public string? ETag { get; init; }
    public string? LastModified { get; init; }
    public string[] Tags { get; init; } = [];

    /// <summary>Lower-cased request header names the response varies on (a marker's whole content).</summary>
    public string[] VaryHeaders { get; init; } = [];

    public bool NoCache => (Flags & CacheEntryFlags.NoCache) != 0;

    public bool HeuristicFreshness => (Flags & CacheEntryFlags.HeuristicFreshness) != 0;

    /// <summary>
    /// Storage for a body (or the stored bytes a body refers to), on the pinned object heap: bodies
    /// live for minutes to days, and among the short-lived garbage of a fetch they would leave the
    /// compacted heaps fragmented (measured: resident memory 1.36x the stored bytes with ordinary
    /// arrays). The GC never moves them, and sockets write from them directly.
    /// </summary>
    public static byte[] AllocateBody(int length) => GC.AllocateUninitializedArray<byte>(length, pinned: true);

    /// <summary>RFC 9111 4.2.3 current_age.</summary>
    public TimeSpan Age(DateTimeOffset now)
    {
        var resident = now - ResponseTime;
        return InitialAge + (resident > TimeSpan.Zero ? resident : TimeSpan.Zero);
    }

    /// <summary>Remaining freshness; negative once stale.</summary>
    public TimeSpan TimeToLive(DateTimeOffset now) => FreshnessLifetime - Age(now);

    /// <summary>How long after <see cref="ResponseTime"/> the entry is of no use at all.</summary>
    public TimeSpan UsefulLifetime =>
        FreshnessLifetime + (StaleWhileRevalidate > StaleIfError ? StaleWhileRevalidate : StaleIfError) - InitialAge;

    /// <summary>Approximate bytes held: every body form plus header text.</summary>
    public long Size
    {
        get
        {
            long size = Body.Length + (Key.Length + Owner.Length) * 2 + 256;
            foreach (var form in Encodings)
            {
                size += form.Body.Length + 64;
            }
            foreach (var header in Headers)
            {
                size += header.Key.Length * 2;
                foreach (var value in header.Value)
                {
                    size += value.Length * 2;
                }
            }
            return size;
        }
    }

    public string? GetHeader(string name)
    {
        foreach (var header in Headers)
        {
            if (string.Equals(header.Key, name, StringComparison.OrdinalIgnoreCase))
            {
                return header.Value.Length > 0 ? header.Value[0] : null;
            }
        }
        return null;
    }
}
