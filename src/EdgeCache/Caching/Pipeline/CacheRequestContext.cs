using EdgeCache.Caching.Entries;
using EdgeCache.Caching.Policy;
using EdgeCache.Rules;

namespace EdgeCache.Caching.Pipeline;

/// <summary>
/// What the pre-routing step (<see cref="EdgeCacheMiddleware"/>) learnt about a GET or HEAD it could
/// not answer, handed to the routed step (<see cref="ProxyCacheMiddleware"/>) as an
/// <c>HttpContext</c> feature, the way YARP passes <c>IReverseProxyFeature</c>: the rule is matched,
/// the key built and the memory tier probed once per request. Requests without it (other methods)
/// are forwarded untouched.
/// </summary>
internal sealed class CacheRequestContext(CacheRule rule, RequestFacts facts, bool background)
{
    public CacheRule Rule { get; } = rule;
    public RequestFacts Facts { get; } = facts;

    /// <summary>A warming request: background work, neither reader traffic nor a reader in the origin's queue.</summary>
    public bool Background { get; } = background;

    /// <summary>The proxy configuration in effect before this request was routed (<see cref="Origin.ProxyConfigGeneration"/>).</summary>
    public int ConfigGeneration { get; init; }

    /// <summary>The primary key; null for a bypass.</summary>
    public string? PrimaryKey { get; init; }

    /// <summary>What the memory tier held under <see cref="PrimaryKey"/> (a response or a Vary marker), or null.</summary>
    public CacheEntry? PrimaryInMemory { get; init; }

    /// <summary>For a Vary marker found in memory: the reader's variant key and what memory held under it.</summary>
    public string? VariantKey { get; init; }

    public CacheEntry? VariantInMemory { get; init; }
}
