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
/// in the last hour. HTML from <c>templates/status.hbs</c>, JSON for <c>Accept: application/json</c>.
/// Origin addresses are not shown: readers see destination names only.
/// </summary>
internal sealed class StatusPage
{
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

    public Dictionary<string, object?> Model()
    {
        var now = _time.GetUtcNow();
        var routes = _proxy.GetRoutes().ToList();
        var coverage = _coverage.Latest.Sites.ToDictionary(s => s.Site, s => s.Ratio, StringComparer.OrdinalIgnoreCase);
        var sites = _health.Snapshot(_proxy).Select(cluster => new Dictionary<string, object?>
        {
            ["id"] = cluster.Id,
            ["up"] = !cluster.Degraded,
            ["degraded"] = cluster.Degraded,
            ["onBackup"] = cluster.OnBackup,
            ["since"] = cluster.Since.ToString("O", CultureInfo.InvariantCulture),
            ["for"] = Ago(now - cluster.Since),
            ["coveragePercent"] = coverage.TryGetValue(cluster.Id, out var ratio) ? Math.Round(ratio * 100, 1) : null,
            ["hosts"] = routes.Where(r => string.Equals(r.Config.ClusterId, cluster.Id, StringComparison.OrdinalIgnoreCase))
                .SelectMany(r => r.Config.Match.Hosts ?? []).Distinct().ToArray(),
            ["origins"] = cluster.Destinations.Select(d => new Dictionary<string, object?>
            {
                ["id"] = d.Id,
                ["backup"] = d.Backup,
                ["up"] = d.Up,
                ["reason"] = d.Reason,
                ["since"] = d.Since.ToString("O", CultureInfo.InvariantCulture),
                ["for"] = Ago(now - d.Since),
            }).ToArray(),
        }).ToArray();
        return new Dictionary<string, object?>
        {
            ["generatedAt"] = now.ToString("O", CultureInfo.InvariantCulture),
            ["degraded"] = sites.Any(s => (bool)s["degraded"]!),
            ["staleServedLastHour"] = _staleServed.LastHour(),
            ["sites"] = sites,
        };
    }

    public Task WriteAsync(HttpContext context)
    {
        var model = Model();
        var response = context.Response;
        response.Headers.CacheControl = "no-store";
        if (ErrorPageWriter.Negotiate(context.Request.Headers.Accept) == ErrorPageWriter.Format.Json)
        {
            response.ContentType = "application/json";
            return response.WriteAsync(JsonSerializer.Serialize(model));
        }
        response.ContentType = "text/html; charset=utf-8";
        var degraded = (bool)model["degraded"]!;
        var html = _renderer.Render(context.Request.Host.Host.ToLowerInvariant(), ["status"], model, "Service status",
            degraded ? "Some origins are down; the edge is serving saved copies." : "All origins are up.");
        return response.WriteAsync(html);
    }

    private static string Ago(TimeSpan span) => span.TotalSeconds switch
    {
        < 60 => $"{(int)span.TotalSeconds} s",
        < 3600 => $"{(int)span.TotalMinutes} min",
        < 86400 => $"{(int)span.TotalHours} h {span.Minutes} min",
        _ => $"{(int)span.TotalDays} d {span.Hours} h",
    };
}
