namespace EdgeCache.Templates;

/// <summary>
/// The model of <c>status.cshtml</c>; the status page's JSON is this model too. Every sentence is
/// decided in C# (<c>Status/StatusPageBuilder</c>), so the template, the built-in page and the JSON
/// say the same thing. Sites are named by their hosts, origins as <c>origin 1</c>, <c>backup</c>:
/// never a cluster or destination id, never an address.
/// </summary>
public sealed class StatusPageModel : PageModel
{
    /// <summary>When, in UTC: <c>2026-11-23 14:05:09 UTC</c>.</summary>
    public required string GeneratedAt { get; init; }

    /// <summary>The worst site's state: <c>up</c>, <c>some-down</c>, <c>on-backup</c> or <c>degraded</c>.</summary>
    public required string State { get; init; }

    /// <summary>The page's headline for that state (<c>All systems normal</c>, <c>Site down: serving saved copies</c>, ...).</summary>
    public required string Headline { get; init; }

    /// <summary>One or two sentences under the headline: what is happening to readers now.</summary>
    public required string Summary { get; init; }

    /// <summary>Whether any site shown has no origin up.</summary>
    public required bool Degraded { get; init; }

    /// <summary>Stale copies of the sites shown served in the last hour because an origin failed.</summary>
    public required long StaleServedLastHour { get; init; }

    public required IReadOnlyList<StatusSiteModel> Sites { get; init; }
}

/// <summary>One site (the hosts a YARP cluster serves) on the status page.</summary>
public sealed class StatusSiteModel
{
    /// <summary>The site's hosts (<c>www.example.com, example.com</c>); for a catch-all route, the host asked for, or <c>every other host</c>.</summary>
    public required string Name { get; init; }

    /// <summary>The host names routed to the site (empty for a catch-all route).</summary>
    public required IReadOnlyList<string> Hosts { get; init; }

    /// <summary><c>up</c>, <c>some-down</c> (an origin server is down, the others serve the site), <c>on-backup</c> or <c>degraded</c> (serving saved copies).</summary>
    public required string State { get; init; }

    /// <summary>The state in words: <c>Down: serving saved copies</c>.</summary>
    public required string StateText { get; init; }

    /// <summary>At least one origin (primary or backup) answers the site.</summary>
    public required bool Up { get; init; }

    /// <summary>No destination up, primary or backup: answered from the cache.</summary>
    public required bool Degraded { get; init; }

    /// <summary>Every primary is down and a backup answers.</summary>
    public required bool OnBackup { get; init; }

    /// <summary>Since when the site is in its state, in UTC: <c>14:02 UTC</c> (with the date when not today).</summary>
    public required string Since { get; init; }

    /// <summary>How long that is, e.g. <c>4 min</c>.</summary>
    public required string For { get; init; }

    /// <summary>What readers of the site get now, in a sentence or two (with the outage coverage while the origin answers).</summary>
    public required string Detail { get; init; }

    /// <summary>Percent of recent traffic a failure now would still serve from saved copies; null during an outage or before the first estimate.</summary>
    public required double? CoveragePercent { get; init; }

    /// <summary>Stale copies of this site served in the last hour because its origin failed.</summary>
    public required long StaleServedLastHour { get; init; }

    public required IReadOnlyList<StatusOriginModel> Origins { get; init; }

    /// <summary>The last 24 hours' incidents, newest first.</summary>
    public required IReadOnlyList<StatusIncidentModel> Incidents { get; init; }
}

/// <summary>One origin server (a YARP destination) on the status page: <c>origin 1</c>, <c>backup</c>; never its id or address.</summary>
public sealed class StatusOriginModel
{
    /// <summary><c>origin</c>, <c>origin 2</c>, <c>backup</c>.</summary>
    public required string Name { get; init; }

    public required bool Backup { get; init; }

    public required bool Up { get; init; }

    /// <summary>Why it is down (<c>2 probes in a row (GET /): answered 503</c>); null while up.</summary>
    public required string? Reason { get; init; }

    /// <summary>Since when it is up or down, in UTC: <c>14:02 UTC</c>.</summary>
    public required string Since { get; init; }

    /// <summary>How long that is: <c>4 min</c>.</summary>
    public required string For { get; init; }
}

/// <summary>One incident of a site in the last 24 hours: a time it was not fully up.</summary>
public sealed class StatusIncidentModel
{
    /// <summary><c>some-down</c>, <c>on-backup</c> or <c>degraded</c>.</summary>
    public required string State { get; init; }

    public required string StateText { get; init; }

    /// <summary>When it began, in UTC: <c>14:02 UTC</c>.</summary>
    public required string Start { get; init; }

    /// <summary>When it ended, the same way, or <c>ongoing</c>.</summary>
    public required string End { get; init; }

    public required bool Ongoing { get; init; }

    /// <summary>How long it lasted (so far): <c>4 min</c>.</summary>
    public required string For { get; init; }

    /// <summary>Stale copies served while it lasted because the origin failed.</summary>
    public required long StaleServed { get; init; }

    /// <summary>That in words (<c>12 saved copies served</c>); null when none was.</summary>
    public required string? StaleServedText { get; init; }
}
