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

    /// <summary>Matches made with rules configured (a request's rule is matched once).</summary>
    internal long Matches => Interlocked.Read(ref _matches);
    private long _matches;

    /// <summary>The rule for a request's host and path; the host name is only taken apart when there are rules.</summary>
    public CacheRule Match(Microsoft.AspNetCore.Http.HostString host, string path) =>
        _rules.Length == 0 ? CacheRule.Default : Match(host.Host, path);

    /// <summary>
    /// The rule for a host and a decoded path. A path that still holds an encoded <c>/</c> or a
    /// backslash is matched as an origin that decodes them and resolves dot segments would serve
    /// it: <c>/static/..%2Faccount</c> is <c>/account</c>, never a match for <c>/static/*</c> (a rule
    /// must not reach pages it does not name, web cache deception).
    /// </summary>
    public CacheRule Match(string host, string path)
    {
        Interlocked.Increment(ref _matches);
        path = ResolvedPath(path);
        foreach (var rule in _rules)
        {
            if (rule.Matches(host, path))
            {
                return rule;
            }
        }
        return CacheRule.Default;
    }

    /// <summary><paramref name="path"/> with <c>%2F</c>, <c>%5C</c> and <c>\</c> read as <c>/</c> and dot segments removed (RFC 3986 5.2.4); the same string when there is nothing to resolve.</summary>
    internal static string ResolvedPath(string path)
    {
        if (path.IndexOf('%') < 0 && path.IndexOf('\\') < 0)
        {
            return path;
        }
        var unified = path.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase)
            .Replace("%5C", "/", StringComparison.OrdinalIgnoreCase)
            .Replace('\\', '/')
            .Replace("%2E", ".", StringComparison.OrdinalIgnoreCase);
        var output = new List<string>();
        var segments = unified.Split('/');
        for (var i = 1; i < segments.Length; i++)
        {
            switch (segments[i])
            {
                case ".":
                    if (i == segments.Length - 1)
                    {
                        output.Add("");
                    }
                    break;
                case "..":
                    if (output.Count > 0)
                    {
                        output.RemoveAt(output.Count - 1);
                    }
                    if (i == segments.Length - 1)
                    {
                        output.Add("");
                    }
                    break;
                default:
                    output.Add(segments[i]);
                    break;
            }
        }
        return "/" + string.Join('/', output);
    }
}
