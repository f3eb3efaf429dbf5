namespace EdgeCache.Rules;

/// <summary>
/// The rule already matched for a request, as an <c>HttpContext</c> feature: set by the first step
/// that needed it (the query shaping of a request with a query), reused by the cache, so a
/// request's rule is matched once.
/// </summary>
internal sealed class MatchedRule(CacheRule rule)
{
    public CacheRule Rule { get; } = rule;
}
