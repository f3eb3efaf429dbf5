using Microsoft.Extensions.Logging;
using EdgeCache.Diagnostics;

namespace EdgeCache.Templates;

/// <summary>
/// Renders the publisher's templates and never fails: while the templates are compiling, when a
/// template is missing, renders nothing or throws, the built-in page stands in (a failure is
/// logged), so a reader never gets a 500 or an empty body. Model strings are HTML-encoded by Razor.
/// </summary>
internal sealed partial class PageRenderer
{
    private readonly TemplateSet _templates;
    private readonly ILogger _logger;

    public PageRenderer(TemplateSet templates, ILogger<PageRenderer> logger)
    {
        _templates = templates;
        _logger = logger;
    }

    /// <summary>A full page: the first of <paramref name="names"/> that exists, inside the layout.</summary>
    /// <param name="host">The site (lower case), for per-site overrides.</param>
    /// <param name="names">Template names to try in order (e.g. <c>errors/503</c>, <c>errors/default</c>); a template that renders only white space passes to the next.</param>
    /// <param name="model">The page's model.</param>
    /// <param name="builtIn">The built-in page for the same model.</param>
    public async Task<string> RenderPageAsync<TModel>(string? host, IReadOnlyList<string> names, TModel model, Func<TModel, string> builtIn)
        where TModel : PageModel
    {
        if (_templates.Current is { } set)
        {
            string? key = null;
            try
            {
                var layout = set.Find(host, TemplateNames.Layout);
                foreach (var name in names)
                {
                    key = set.Find(host, name);
                    if (key is null)
                    {
                        continue;
                    }
                    var html = await set.RenderAsync(key, model, layout);
                    if (!string.IsNullOrWhiteSpace(html))
                    {
                        return html;
                    }
                }
            }
            catch (Exception ex)
            {
                LogRenderFailed(_logger, key ?? string.Join(", ", names), "the built-in page was sent instead", ex);
            }
        }
        return builtIn(model);
    }

    /// <summary>A piece of a page, without the layout (the stale banner); null when there is none, or it failed (logged).</summary>
    public async Task<string?> RenderFragmentAsync<TModel>(string? host, string name, TModel model)
    {
        if (_templates.Current is not { } set || set.Find(host, name) is not { } key)
        {
            return null;
        }
        try
        {
            return await set.RenderAsync(key, model, layout: null);
        }
        catch (Exception ex)
        {
            LogRenderFailed(_logger, key, "the page was sent without it", ex);
            return null;
        }
    }

    [LoggerMessage(EventId = EventIds.TemplateRenderFailed, EventName = nameof(EventIds.TemplateRenderFailed), Level = LogLevel.Error,
        Message = "Rendering template {Template} failed; {Fallback}")]
    private static partial void LogRenderFailed(ILogger logger, string template, string fallback, Exception exception);
}
