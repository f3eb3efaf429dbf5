using Microsoft.Extensions.Options;

namespace EdgeCache.Rules;

/// <summary>The current compiled <see cref="RuleSet"/>, rebuilt when the configuration reloads.</summary>
internal sealed class RuleSetProvider : IDisposable
{
    private readonly IDisposable? _subscription;
    private volatile RuleSet _current;

    public RuleSetProvider(IOptionsMonitor<RulesOptions> options)
    {
        _current = new RuleSet(options.CurrentValue.Rules);
        _subscription = options.OnChange(o => _current = new RuleSet(o.Rules));
    }

    public RuleSet Current => _current;

    public void Dispose() => _subscription?.Dispose();
}
