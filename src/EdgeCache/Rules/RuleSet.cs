namespace EdgeCache.Rules;

/// <summary>The publisher's ordered rules; the first rule whose host and path globs match wins.</summary>
internal sealed class RuleSet
{
    private readonly CacheRule[] _rules;

    public RuleSet(IEnumerable<CacheRuleOptions> rules)
    {
        _rules = rules.Select((r, i) => new CacheRule(r.Name ?? $"rule-{i}", r)).ToArray();
    }

    public IReadOnlyList<CacheRule> Rules => _rules;

    /// <summary>The rule for a request's host and path; the host name is only taken apart when there are rules.</summary>
    public CacheRule Match(Microsoft.AspNetCore.Http.HostString host, string path) =>
        _rules.Length == 0 ? CacheRule.Default : Match(host.Host, path);

    public CacheRule Match(string host, string path)
    {
        foreach (var rule in _rules)
        {
            if (rule.Matches(host, path))
            {
                return rule;
            }
        }
        return CacheRule.Default;
    }
}
