namespace EdgeCache.Rules;

/// <summary>A compiled publisher rule: its matchers and its settings.</summary>
internal sealed class CacheRule
{
    private readonly Glob[] _hosts;
    private readonly Glob[] _paths;
    private readonly Glob[] _ignoredQuery;

    public CacheRule(string name, CacheRuleOptions options)
    {
        Name = name;
        Options = options;
        _hosts = options.Hosts.Select(h => new Glob(h, ignoreCase: true)).ToArray();
        _paths = options.Paths.Select(p => new Glob(p, ignoreCase: false)).ToArray();
        _ignoredQuery = options.IgnoreQueryParameters.Select(q => new Glob(q, ignoreCase: false)).ToArray();
        Tags = options.Tags.ToArray();
        KeyHeaders = options.KeyHeaders.Select(h => h.ToLowerInvariant()).Order(StringComparer.Ordinal).ToArray();
        KeyCookies = options.KeyCookies.Order(StringComparer.Ordinal).ToArray();
    }

    /// <summary>The rule that applies when no configured rule matches: the origin's headers decide.</summary>
    public static CacheRule Default { get; } = new("default", new CacheRuleOptions());

    public string Name { get; }

    /// <summary>This rule as the request feature that says it was matched (one instance per rule: no allocation per request).</summary>
    public MatchedRule AsFeature => _feature ??= new MatchedRule(this);
    private MatchedRule? _feature;
    public CacheRuleOptions Options { get; }
    public string[] Tags { get; }
    public string[] KeyHeaders { get; }
    public string[] KeyCookies { get; }

    public bool Bypass => Options.Bypass;
    public TimeSpan? Ttl => Options.Ttl;
    public TimeSpan? StaleWhileRevalidate => Options.StaleWhileRevalidate;
    public TimeSpan? StaleIfError => Options.StaleIfError;
    public bool SortQueryParameters => Options.SortQueryParameters;
    public bool HasIgnoredQueryParameters => _ignoredQuery.Length > 0;

    public bool Matches(string host, string path) => MatchesAny(_hosts, host) && MatchesAny(_paths, path);

    public bool IgnoresQueryParameter(ReadOnlySpan<char> name)
    {
        foreach (var glob in _ignoredQuery)
        {
            if (glob.IsMatch(name))
            {
                return true;
            }
        }
        return false;
    }

    private static bool MatchesAny(Glob[] globs, string value)
    {
        if (globs.Length == 0)
        {
            return true;
        }
        foreach (var glob in globs)
        {
            if (glob.IsMatch(value))
            {
                return true;
            }
        }
        return false;
    }
}
