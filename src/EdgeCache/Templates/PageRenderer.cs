using System.Text.Encodings.Web;
using Microsoft.Extensions.Logging;
using EdgeCache.Diagnostics;

namespace EdgeCache.Templates;

/// <summary>
/// Renders a page from the publisher's templates inside the shared layout, and never fails: when a
/// template is missing or throws, the built-in page stands in, so a reader never gets an empty body.
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

    /// <param name="host">The site, for per-site overrides.</param>
    /// <param name="names">Template names to try in order (e.g. <c>errors/503</c>, <c>errors/default</c>).</param>
    /// <param name="model">Values for the template: every one is HTML-escaped unless the template uses triple braces.</param>
    /// <param name="title">The page title, for the layout and the built-in page.</param>
    /// <param name="fallbackBody">Plain text for the built-in page.</param>
    public string Render(string? host, string[] names, IDictionary<string, object?> model, string title, string fallbackBody)
    {
        try
        {
            foreach (var name in names)
            {
                var body = _templates.Render(host, name, model);
                if (body is null)
                {
                    continue;
                }
                var layoutModel = new Dictionary<string, object?>(model) { ["title"] = title, ["body"] = body };
                var page = _templates.Render(host, "layout", layoutModel) ?? body;
                if (!string.IsNullOrWhiteSpace(page))
                {
                    return page;
                }
            }
        }
        catch (Exception ex)
        {
            LogRenderFailed(_logger, string.Join(", ", names), ex);
        }
        return BuiltIn(title, fallbackBody);
    }

    /// <summary>The page used when no template can: plain, escaped, always there.</summary>
    public static string BuiltIn(string title, string text)
    {
        var encoder = HtmlEncoder.Default;
        return $"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{encoder.Encode(title)}</title>
            <style>body{"{"}font:18px/1.5 system-ui,sans-serif;max-width:36rem;margin:15vh auto;padding:0 1.5rem;color:#1d2330{"}"}</style>
            </head><body><h1>{encoder.Encode(title)}</h1><p>{encoder.Encode(text)}</p></body></html>
            """;
    }

    [LoggerMessage(EventId = EventIds.TemplateRenderFailed, EventName = nameof(EventIds.TemplateRenderFailed), Level = LogLevel.Error,
        Message = "Rendering template {Names} failed; the built-in page was sent instead")]
    private static partial void LogRenderFailed(ILogger logger, string names, Exception exception);
}
