using System.Text.RegularExpressions;
using RazorLight;

namespace EdgeCache.Templates;

/// <summary>
/// One template set, compiled into its own RazorLight engine and never changed afterwards: a
/// reload builds a new set and swaps it in whole (a RazorLight engine cannot recompile a template
/// in place). Lookups go by name among the compiled templates only, so a request's host never
/// reaches a file.
/// </summary>
internal sealed partial class CompiledTemplates
{
    private static readonly Regex SafeHost = SafeHostRegex();

    private readonly RazorLightEngine _engine;
    private readonly Dictionary<string, string> _keys;

    /// <param name="engine">The engine every template of the set was compiled in.</param>
    /// <param name="names">The template names (keys in <paramref name="engine"/>).</param>
    public CompiledTemplates(RazorLightEngine engine, IEnumerable<string> names)
    {
        _engine = engine;
        _keys = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var name in names)
        {
            _keys.TryAdd(name, name);
        }
    }

    public int Count => _keys.Count;

    /// <summary>The site's override (<c>sites/HOST/NAME</c>), else the shared template; null when neither exists.</summary>
    public string? Find(string? host, string name)
    {
        if (host is not null && SafeHost.IsMatch(host) && _keys.TryGetValue($"{TemplateNames.SitesFolder}{host}/{name}", out var site))
        {
            return site;
        }
        return _keys.TryGetValue(name, out var shared) ? shared : null;
    }

    /// <summary>Renders the template <paramref name="key"/> (from <see cref="Find"/>); throws what the template throws.</summary>
    /// <param name="layout">The layout's key, or null for a fragment; a template may still set its own <c>Layout</c>.</param>
    public async Task<string> RenderAsync<TModel>(string key, TModel model, string? layout)
    {
        // Compiled when the set was built: this takes a new page instance from the engine's cache.
        var page = await _engine.CompileTemplateAsync(key);
        page.Layout = layout;
        return await _engine.RenderTemplateAsync(page, model);
    }

    [GeneratedRegex("^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$")]
    private static partial Regex SafeHostRegex();
}
