namespace EdgeCache.Templates;

/// <summary>The model of <c>status.cshtml</c>; the status page's JSON is this model too.</summary>
public sealed class StatusPageModel : PageModel
{
    /// <summary>When, ISO 8601 (round-trip format).</summary>
    public required string GeneratedAt { get; init; }

    /// <summary>Whether any site has no origin up.</summary>
    public required bool Degraded { get; init; }

    /// <summary>Stale copies served in the last hour because an origin failed.</summary>
    public required long StaleServedLastHour { get; init; }

    public required IReadOnlyList<StatusSiteModel> Sites { get; init; }
}

/// <summary>One site (a YARP cluster) on the status page.</summary>
public sealed class StatusSiteModel
{
    /// <summary>The cluster id.</summary>
    public required string Id { get; init; }

    public required bool Up { get; init; }

    /// <summary>No destination up, primary or backup: answered from the cache.</summary>
    public required bool Degraded { get; init; }

    /// <summary>Every primary is down and a backup answers.</summary>
    public required bool OnBackup { get; init; }

    /// <summary>Since when the site is in its present mode, ISO 8601.</summary>
    public required string Since { get; init; }

    /// <summary>How long that is, e.g. <c>3 min</c>.</summary>
    public required string For { get; init; }

    /// <summary>Percent of recent traffic a failure now would still serve from saved copies; null before the first estimate.</summary>
    public required double? CoveragePercent { get; init; }

    /// <summary>The host names routed to the site.</summary>
    public required IReadOnlyList<string> Hosts { get; init; }

    public required IReadOnlyList<StatusOriginModel> Origins { get; init; }
}

/// <summary>One origin server (a YARP destination) on the status page: its name, never its address.</summary>
public sealed class StatusOriginModel
{
    /// <summary>The destination's name.</summary>
    public required string Id { get; init; }

    public required bool Backup { get; init; }

    public required bool Up { get; init; }

    /// <summary>Why it is down (<c>2 probes in a row (GET /): answered 503</c>); null while up.</summary>
    public required string? Reason { get; init; }

    public required string Since { get; init; }

    public required string For { get; init; }
}
