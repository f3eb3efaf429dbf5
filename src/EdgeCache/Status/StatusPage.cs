using System.Text.Json;
using EdgeCache.Coverage;
using EdgeCache.Degraded;
using EdgeCache.Origin;
using EdgeCache.Templates;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy;

namespace EdgeCache.Status;

/// <summary>
/// The status page. On the public listener (<c>/_edge/status</c>) it shows the reader's own site:
/// the one whose routes match the request's host, else the catch-all route's. On the management
/// listener (<c>/status</c>) it shows every site. Each site by its hosts, its state in words
/// (<see cref="StatusPageBuilder"/>), its origins as <c>origin 1</c> / <c>backup</c> (never ids or
/// addresses; why one is down on the management listener only), the last 24 hours' incidents, and the operators' notices. HTML from
/// <c>templates/status.cshtml</c>, JSON (the model) for <c>Accept: application/json</c>.
/// </summary>
internal sealed class StatusPage(OriginHealth health, StaleServedCounter staleServed, IncidentLog incidents, NoticeBoard notices,
    IProxyStateLookup proxy, PageRenderer renderer, CoverageCalculator coverage, TimeProvider time)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <param name="host">The reader's host (lower case, no port) on the public listener; null for every site (management).</param>
    public StatusPageModel Model(string? host)
    {
        var now = time.GetUtcNow();
        var routes = proxy.GetRoutes().Select(r => r.Config).ToList();
        var shown = host is null ? null : SiteHosts.ClustersFor(routes, host);
        var anyNamed = routes.Any(r => r.Match.Hosts is { Count: > 0 });
        var ratios = coverage.Latest.Sites.ToDictionary(s => s.Site, s => s.Ratio, StringComparer.OrdinalIgnoreCase);
        var sites = health.Snapshot(proxy)
            .Where(site => shown is null || shown.Contains(site.Id))
            .Select(site =>
            {
                var hosts = SiteHosts.Of(routes, site.Id);
                var name = hosts.Count > 0 ? string.Join(", ", hosts) : host ?? (anyNamed ? "every other host" : "every host");
                // Why an origin failed is the operators' (an exception's message, a probe path, an
                // address it may name): the management page shows it, a reader's page only "down".
                var shownHealth = host is null ? site : site with { Destinations = site.Destinations.Select(d => d with { Reason = null }).ToArray() };
                return new StatusSiteInput(shownHealth, name, hosts, ratios.TryGetValue(site.Id, out var ratio) ? ratio : null,
                    staleServed.LastHour(site.Id), incidents.Recent(site.Id));
            })
            .ToArray();
        var pageNotices = host is null
            ? notices.Active()
            : notices.For([host, .. sites.SelectMany(s => s.Hosts)]);
        return StatusPageBuilder.Build(sites, notices.Models(pageNotices), now);
    }

    /// <param name="everySite">The management listener's page: every site, not the reader's.</param>
    public async Task WriteAsync(HttpContext context, bool everySite = false)
    {
        var host = everySite ? null : context.Request.Host.Host.ToLowerInvariant();
        var model = Model(host);
        var response = context.Response;
        response.Headers.CacheControl = "no-store";
        if (ErrorPageWriter.Negotiate(context.Request.Headers.Accept) == ErrorPageWriter.Format.Json)
        {
            response.ContentType = "application/json";
            await response.WriteAsync(JsonSerializer.Serialize(model, Json));
            return;
        }
        response.ContentType = "text/html; charset=utf-8";
        var html = await renderer.RenderPageAsync(host, [TemplateNames.Status], model, BuiltInPages.Status);
        await response.WriteAsync(html);
    }
}
