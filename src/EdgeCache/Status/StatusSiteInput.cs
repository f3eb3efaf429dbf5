using EdgeCache.Origin;

namespace EdgeCache.Status;

/// <summary>What the status page knows about one site, gathered by <see cref="StatusPage"/> for <see cref="StatusPageBuilder"/>.</summary>
/// <param name="Health">The site's health (a YARP cluster), from <see cref="OriginHealth.Snapshot"/>.</param>
/// <param name="Name">How readers know it: its hosts, or a label for a catch-all route.</param>
/// <param name="Hosts">The hosts its routes match.</param>
/// <param name="CoverageRatio">Outage coverage (0-1); null before the first estimate.</param>
/// <param name="StaleServedLastHour">Its stale copies served in the last hour because the origin failed.</param>
/// <param name="Incidents">The last 24 hours' incidents, newest first.</param>
internal sealed record StatusSiteInput(OriginHealth.SiteStatus Health, string Name, IReadOnlyList<string> Hosts, double? CoverageRatio,
    long StaleServedLastHour, IReadOnlyList<Incident> Incidents);
