namespace EdgeCache.Hosting;

/// <summary>The configuration has errors; <see cref="Errors"/> lists every one with its path.</summary>
internal sealed class ConfigurationException(IReadOnlyList<string> errors)
    : Exception("EdgeCache configuration is invalid:" + Environment.NewLine + string.Join(Environment.NewLine, errors.Select(e => "  " + e)))
{
    public IReadOnlyList<string> Errors { get; } = errors;
}
