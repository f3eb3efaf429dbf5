using System.Globalization;
using EdgeCache.Templates;

namespace EdgeCache.Status;

/// <summary>
/// The status page's model from what is known now: a pure function (sites, notices, <c>now</c> in;
/// the model out), so every state's words are decided here and tested with a manual clock, and
/// the template, the built-in page and the JSON cannot disagree. Each site gets one state
/// (<see cref="SiteConditions.Of(Origin.OriginHealth.SiteStatus)"/>); the headline is the worst site's.
/// </summary>
internal static class StatusPageBuilder
{
    public const string Title = "Service status";

    /// <param name="sites">The sites the page shows (one reader's site on the public listener, every site on the management one).</param>
    /// <param name="notices">The notices the page shows, as page models.</param>
    /// <param name="now">The clock's time.</param>
    public static StatusPageModel Build(IReadOnlyList<StatusSiteInput> sites, IReadOnlyList<NoticeModel> notices, DateTimeOffset now)
    {
        var models = sites.Select(site => Site(site, now)).ToArray();
        var worst = sites.Count == 0 ? SiteCondition.Up : sites.Max(s => SiteConditions.Of(s.Health));
        var affected = models.Where(s => s.State != SiteConditions.Key(SiteCondition.Up)).ToArray();
        var summary = sites.Count == 0 ? "This edge serves no site under this host name."
            : affected.Length == 0 ? "Every origin server is answering."
            : string.Join(" ", affected.Select(s => models.Length > 1 ? $"{s.Name}: {s.Detail}" : s.Detail));
        return new StatusPageModel
        {
            Title = Title,
            Notices = notices,
            GeneratedAt = StatusText.FullTime(now),
            State = SiteConditions.Key(worst),
            Headline = sites.Count == 0 ? "No site here" : SiteConditions.Headline(worst),
            Summary = summary,
            Degraded = models.Any(s => s.Degraded),
            StaleServedLastHour = sites.Sum(s => s.StaleServedLastHour),
            Sites = models,
        };
    }

    private static StatusSiteModel Site(StatusSiteInput input, DateTimeOffset now)
    {
        var health = input.Health;
        var condition = SiteConditions.Of(health);
        var since = SiteConditions.Since(health, condition);
        var origins = Origins(health);
        // "If the origin failed now" is a forecast: only while an origin answers. During an outage the page says what is happening instead.
        double? coverage = condition is SiteCondition.Up or SiteCondition.SomeDown && input.CoverageRatio is { } ratio
            ? Math.Round(ratio * 100, 1)
            : null;
        return new StatusSiteModel
        {
            Name = input.Name,
            Hosts = input.Hosts,
            State = SiteConditions.Key(condition),
            StateText = SiteConditions.Label(condition),
            Up = condition != SiteCondition.Degraded,
            Degraded = condition == SiteCondition.Degraded,
            OnBackup = condition == SiteCondition.OnBackup,
            Since = StatusText.Time(since, now),
            For = StatusText.Duration(now - since),
            Detail = Detail(condition, origins, coverage, input.StaleServedLastHour),
            CoveragePercent = coverage,
            StaleServedLastHour = input.StaleServedLastHour,
            Origins = origins.Select(o => new StatusOriginModel
            {
                Name = o.Name,
                Backup = o.Status.Backup,
                Up = o.Status.Up,
                Reason = o.Status.Reason,
                Since = StatusText.Time(o.Status.Since, now),
                For = StatusText.Duration(now - o.Status.Since),
            }).ToArray(),
            Incidents = input.Incidents.Select(i => new StatusIncidentModel
            {
                State = SiteConditions.Key(i.Condition),
                StateText = SiteConditions.Label(i.Condition),
                Start = StatusText.Time(i.Start, now),
                End = i.End is { } end ? StatusText.Time(end, now) : "ongoing",
                Ongoing = i.End is null,
                For = StatusText.Duration((i.End ?? now) - i.Start),
                StaleServed = i.StaleServed,
                StaleServedText = i.StaleServed > 0 ? StatusText.SavedCopies(i.StaleServed) + " served" : null,
            }).ToArray(),
        };
    }

    private sealed record NamedOrigin(string Name, Origin.OriginHealth.DestinationStatus Status);

    /// <summary>Destinations as readers may see them: <c>origin</c> (or <c>origin 1</c>, <c>origin 2</c>), <c>backup</c> (or numbered); never their ids.</summary>
    private static IReadOnlyList<NamedOrigin> Origins(Origin.OriginHealth.SiteStatus health)
    {
        var primaries = health.Destinations.Where(d => !d.Backup).ToArray();
        var backups = health.Destinations.Where(d => d.Backup).ToArray();
        static string Numbered(string name, int index, int count) =>
            count == 1 ? name : $"{name} {(index + 1).ToString(CultureInfo.InvariantCulture)}";
        return [
            .. primaries.Select((d, i) => new NamedOrigin(Numbered("origin", i, primaries.Length), d)),
            .. backups.Select((d, i) => new NamedOrigin(Numbered("backup", i, backups.Length), d)),
        ];
    }

    private static string Detail(SiteCondition condition, IReadOnlyList<NamedOrigin> origins, double? coverage, long staleServed)
    {
        var forecast = coverage is { } percent
            ? $" If the origin failed now, {percent.ToString(CultureInfo.InvariantCulture)}% of recent traffic would still be served from saved copies."
            : "";
        switch (condition)
        {
            case SiteCondition.Up:
                return "Every origin server is answering." + forecast;
            case SiteCondition.SomeDown:
                var down = origins.Where(o => !o.Status.Up).Select(o => o.Name).ToArray();
                var up = origins.Where(o => o.Status.Up && !o.Status.Backup).Select(o => o.Name).ToArray();
                var sentence = $"{StatusText.List(down)} {StatusText.Is(down.Length)} down; {StatusText.List(up)} {StatusText.Is(up.Length)} answering, so the site is still served normally.";
                return char.ToUpperInvariant(sentence[0]) + sentence[1..] + forecast;
            case SiteCondition.OnBackup:
                return "The main origin is down; the backup origin is answering, so the site is still served.";
            default:
                return $"No origin server is answering. Readers get the saved copies of pages the edge has ({StatusText.SavedCopies(staleServed)} served in the last hour); other pages are unavailable until the origin is back.";
        }
    }
}
