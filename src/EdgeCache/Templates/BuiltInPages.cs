using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;

namespace EdgeCache.Templates;

/// <summary>
/// The pages sent when no template can be used (the first seconds after start, no templates
/// folder, a template that failed): plain, every value encoded, the same information as the
/// templates' pages.
/// </summary>
internal static class BuiltInPages
{
    private static readonly HtmlEncoder Encoder = HtmlEncoder.Default;

    public static string Error(ErrorPageModel model) => Page(model.Title, $"""
        <p>{E(model.Message)}</p>
        <p>Pages you have visited recently may still load. Please try again in {model.RetryAfter} seconds.</p>
        <p><a href="{E(model.Path)}">Try again</a> &middot; <a href="{E(model.StatusPageUrl)}">Service status</a></p>
        <footer>{E(model.Host)} &middot; {E(model.Time)} &middot; error {model.Status} &middot; request {E(model.RequestId)}</footer>
        """);

    public static string Status(StatusPageModel model)
    {
        var html = new StringBuilder();
        html.Append(model.Degraded
            ? "<p>Some origins are down; the edge is serving saved copies of pages while they recover.</p>"
            : "<p>All systems normal: every origin server is answering.</p>");
        html.Append("<table><thead><tr><th>Site</th><th>Origin</th><th>State</th><th>For</th></tr></thead><tbody>");
        foreach (var site in model.Sites)
        {
            foreach (var origin in site.Origins)
            {
                html.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(site.Id)}</td><td>{E(origin.Id)}</td><td>{(origin.Up ? "up" : "down")}</td><td>{E(origin.For)}</td></tr>");
            }
        }
        html.Append(CultureInfo.InvariantCulture, $"</tbody></table><p>Saved copies served in the last hour because an origin failed: {model.StaleServedLastHour}</p>");
        foreach (var site in model.Sites.Where(s => s.CoveragePercent > 0))
        {
            html.Append(CultureInfo.InvariantCulture, $"<p>If {E(site.Id)}'s origin failed now, {site.CoveragePercent}% of recent traffic would still be served from saved copies.</p>");
        }
        html.Append(CultureInfo.InvariantCulture, $"<footer>Generated {E(model.GeneratedAt)}</footer>");
        return Page(model.Title, html.ToString());
    }

    /// <summary>A page with a title and a body of HTML the caller has already encoded.</summary>
    public static string Page(string title, string bodyHtml) => $"""
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="robots" content="noindex"><title>{E(title)}</title>
        <style>body{"{"}font:18px/1.5 system-ui,sans-serif;max-width:36rem;margin:15vh auto;padding:0 1.5rem;color:#1d2330{"}"}footer{"{"}color:#5b6474;font-size:.8rem{"}"}td,th{"{"}text-align:left;padding:.25rem .5rem .25rem 0{"}"}</style>
        </head><body><h1>{E(title)}</h1>
        {bodyHtml}
        </body></html>
        """;

    private static string E(string? value) => Encoder.Encode(value ?? "");
}
