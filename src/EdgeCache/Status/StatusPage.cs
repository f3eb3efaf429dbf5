using System.Globalization;
using System.Text.Json;
using EdgeCache.Degraded;
using EdgeCache.Origin;
using EdgeCache.Templates;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy;

namespace EdgeCache.Status;

/// <summary>
/// <c>/_edge/status</c> on the public listener: each site (YARP cluster) and its origins, up or
/// down and since when, whether the edge is serving degraded, and how many stale copies went out
/// in the last hour. HTML from <c>templates/status.cshtml</c>, JSON for <c>Accept: application/json</c>.
/// Origin addresses are not shown: readers see destination names only.
/// </summary>
internal sealed class StatusPage
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly OriginHealth _health;
    private readonly StaleServedCounter _staleServed;
    private readonly IProxyStateLookup _proxy;
    private readonly PageRenderer _renderer;
    private readonly TimeProvider _time;
    private readonly Coverage.CoverageCalculator _coverage;

    public StatusPage(OriginHealth health, StaleServedCounter staleServed, IProxyStateLookup proxy, PageRenderer renderer, TimeProvider time,
        Coverage.CoverageCalculator coverage)
    {
        _coverage = coverage;
        _health = health;
        _staleServed = staleServed;
        _proxy = proxy;
        _renderer = renderer;
        _time = time;
    }

    public StatusPageModel Model()
    {
        var now = _time.GetUtcNow();
        var routes = _proxy.GetRoutes().ToList();
        var coverage = _coverage.Latest.Sites.ToDictionary(s => s.Site, s => s.Ratio, StringComparer.OrdinalIgnoreCase);
        var sites = _health.Snapshot(_proxy).Select(cluster => new StatusSiteModel
        {
            Id = cluster.Id,
            Up = !cluster.Degraded,
            Degraded = cluster.Degraded,
            OnBackup = cluster.OnBackup,
            Since = cluster.Since.ToString("O", CultureInfo.InvariantCulture),
            For = Ago(now - cluster.Since),
            CoveragePercent = coverage.TryGetValue(cluster.Id, out var ratio) ? Math.Round(ratio * 100, 1) : null,
            Hosts = routes.Where(r => string.Equals(r.Config.ClusterId, cluster.Id, StringComparison.OrdinalIgnoreCase))
                .SelectMany(r => r.Config.Match.Hosts ?? []).Distinct().ToArray(),
            Origins = cluster.Destinations.Select(d => new StatusOriginModel
            {
                Id = d.Id,
                Backup = d.Backup,
                Up = d.Up,
                Reason = d.Reason,
                Since = d.Since.ToString("O", CultureInfo.InvariantCulture),
                For = Ago(now - d.Since),
            }).ToArray(),
        }).ToArray();
        return new StatusPageModel
        {
            Title = "Service status",
            GeneratedAt = now.ToString("O", CultureInfo.InvariantCulture),
            Degraded = sites.Any(s => s.Degraded),
            StaleServedLastHour = _staleServed.LastHour(),
            Sites = sites,
        };
    }

    public async Task WriteAsync(HttpContext context)
    {
        var model = Model();
        var response = context.Response;
        response.Headers.CacheControl = "no-store";
        if (ErrorPageWriter.Negotiate(context.Request.Headers.Accept) == ErrorPageWriter.Format.Json)
        {
            response.ContentType = "application/json";
            await response.WriteAsync(JsonSerializer.Serialize(model, Json));
            return;
        }
        response.ContentType = "text/html; charset=utf-8";
        var html = await _renderer.RenderPageAsync(context.Request.Host.Host.ToLowerInvariant(), [TemplateNames.Status], model, BuiltInPages.Status);
        await response.WriteAsync(html);
    }

    private static string Ago(TimeSpan span) => span.TotalSeconds switch
    {
        < 60 => $"{(int)span.TotalSeconds} s",
        < 3600 => $"{(int)span.TotalMinutes} min",
        < 86400 => $"{(int)span.TotalHours} h {span.Minutes} min",
        _ => $"{(int)span.TotalDays} d {span.Hours} h",
    };
}
