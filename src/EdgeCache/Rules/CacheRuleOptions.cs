namespace EdgeCache.Rules;

/// <summary>One publisher rule from <c>EdgeCache:Rules</c>. Rules are tried in order; the first match wins.</summary>
public sealed class CacheRuleOptions
{
    /// <summary>A name for logs and the admin API; defaults to the rule's index.</summary>
    public string? Name { get; set; }

    /// <summary>Host globs (<c>*</c> any characters, <c>?</c> one), case-insensitive. Empty: every host.</summary>
    public List<string> Hosts { get; set; } = [];

    /// <summary>Path globs (<c>*</c> any characters including <c>/</c>, <c>?</c> one), case-sensitive. Empty: every path.</summary>
    public List<string> Paths { get; set; } = [];

    /// <summary>Forward matching requests untouched, never cached.</summary>
    public bool Bypass { get; set; }

    /// <summary>Freshness lifetime that replaces the origin's (like Varnish's beresp.ttl).</summary>
    public TimeSpan? Ttl { get; set; }

    /// <summary>Stale-while-revalidate window used when the origin sends none.</summary>
    public TimeSpan? StaleWhileRevalidate { get; set; }

    /// <summary>Stale-if-error window (grace) used when the origin sends none.</summary>
    public TimeSpan? StaleIfError { get; set; }

    /// <summary>Query parameter names (globs) left out of the cache key, e.g. <c>utm_*</c>.</summary>
    public List<string> IgnoreQueryParameters { get; set; } = [];

    /// <summary>Sort query parameters in the key so <c>?a=1&amp;b=2</c> and <c>?b=2&amp;a=1</c> share an entry.</summary>
    public bool SortQueryParameters { get; set; }

    /// <summary>Request headers whose values become part of the cache key.</summary>
    public List<string> KeyHeaders { get; set; } = [];

    /// <summary>Request cookies whose values become part of the cache key.</summary>
    public List<string> KeyCookies { get; set; } = [];

    /// <summary>Tags given to every entry stored under this rule (for purges).</summary>
    public List<string> Tags { get; set; } = [];

    /// <summary>
    /// Requests that carry <c>Authorization</c>. Null (the default): RFC 9111 3.5, they use the cache,
    /// and a response to one is stored (and shared) only when it says so with <c>public</c>,
    /// <c>s-maxage</c> or <c>must-revalidate</c>. True: every response to one is stored as for any
    /// reader (the content is the same for every user). False: never; such requests bypass the cache.
    /// </summary>
    public bool? CacheAuthorized { get; set; }

    /// <summary>Store responses that carry <c>Set-Cookie</c>; the stored copy never keeps the cookie.</summary>
    public bool CacheSetCookie { get; set; }

    /// <summary>Store responses marked <c>Cache-Control: private</c>.</summary>
    public bool CachePrivate { get; set; }

    /// <summary>
    /// Whether readers preferring HTML get the branded page in place of the origin's own error
    /// answer (<c>Degraded:BrandedOriginStatuses</c>); false: the origin's answer always passes through.
    /// </summary>
    public bool BrandOriginErrors { get; set; } = true;

    /// <summary>Show a notice at the top of stale HTML pages served for an origin failure (<c>templates/banner.cshtml</c>).</summary>
    public bool StaleBanner { get; set; }

    /// <summary>
    /// Allow stale windows from this rule on responses marked must-revalidate, proxy-revalidate,
    /// no-cache or s-maxage: the publisher's out-of-band permission (RFC 9111 4.2.4).
    /// </summary>
    public bool ServeStaleDespiteRevalidate { get; set; }
}
