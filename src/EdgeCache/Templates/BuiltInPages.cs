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
        """, model.Notices);

    /// <summary>The same information, in the same order, as <c>templates/status.cshtml</c>.</summary>
    public static string Status(StatusPageModel model)
    {
        var html = new StringBuilder();
        html.Append(CultureInfo.InvariantCulture, $"<h2 class=\"headline\">{E(model.Headline)}</h2><p class=\"summary\">{E(model.Summary)}</p>");
        foreach (var site in model.Sites)
        {
            html.Append(CultureInfo.InvariantCulture, $"<section class=\"site {E(site.State)}\"><h3>{E(site.Name)}</h3>");
            html.Append(CultureInfo.InvariantCulture, $"<p><strong>{E(site.StateText)}</strong> for {E(site.For)} (since {E(site.Since)})</p>");
            if (model.Sites.Count > 1)
            {
                html.Append(CultureInfo.InvariantCulture, $"<p>{E(site.Detail)}</p>"); // with one site, the summary is its detail
            }
            html.Append("<table><thead><tr><th>Origin</th><th>State</th></tr></thead><tbody>");
            foreach (var origin in site.Origins)
            {
                var reason = origin.Reason is null ? "" : $": {E(origin.Reason)}";
                html.Append(CultureInfo.InvariantCulture,
                    $"<tr><td>{E(origin.Name)}</td><td>{(origin.Up ? "up" : "down")} for {E(origin.For)} (since {E(origin.Since)}){reason}</td></tr>");
            }
            html.Append("</tbody></table><h4>Last 24 hours</h4>");
            if (site.Incidents.Count == 0)
            {
                html.Append("<p>No incidents.</p>");
            }
            else
            {
                html.Append("<ul>");
                foreach (var incident in site.Incidents)
                {
                    var stale = incident.StaleServedText is { } served ? $", {E(served)}" : "";
                    html.Append(CultureInfo.InvariantCulture,
                        $"<li>{E(incident.Start)} to {E(incident.End)} ({E(incident.For)}): {E(incident.StateText)}{stale}</li>");
                }
                html.Append("</ul>");
            }
            html.Append("</section>");
        }
        html.Append(CultureInfo.InvariantCulture, $"<footer>Generated {E(model.GeneratedAt)}</footer>");
        return Page(model.Title, html.ToString(), model.Notices);
    }

    /// <summary>A page with a title, the notices, and a body of HTML the caller has already encoded.</summary>
    public static string Page(string title, string bodyHtml, IReadOnlyList<NoticeModel>? notices = null) => $"""
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="robots" content="noindex"><title>{E(title)}</title>
        <style>body{"{"}font:18px/1.5 system-ui,sans-serif;max-width:36rem;margin:15vh auto;padding:0 1.5rem;color:#1d2330{"}"}footer{"{"}color:#5b6474;font-size:.8rem{"}"}td,th{"{"}text-align:left;padding:.25rem .5rem .25rem 0{"}"}.notice{"{"}border-left:4px solid #d97706;padding:.25rem .75rem{"}"}</style>
        </head><body>{Notices(notices)}<h1>{E(title)}</h1>
        {bodyHtml}
        </body></html>
        """;

    private static string Notices(IReadOnlyList<NoticeModel>? notices) => notices is not { Count: > 0 } ? "" :
        "<aside class=\"notices\">" + string.Concat(notices.Select(n => $"<p class=\"notice\">{E(n.Text)}</p>")) + "</aside>";

    private static string E(string? value) => Encoder.Encode(value ?? "");
}
