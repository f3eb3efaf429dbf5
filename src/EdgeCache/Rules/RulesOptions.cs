namespace EdgeCache.Rules;

/// <summary>The <c>EdgeCache:Rules</c> list.</summary>
public sealed class RulesOptions
{
    public List<CacheRuleOptions> Rules { get; set; } = [];
}
