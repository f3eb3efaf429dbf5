namespace EdgeCache.Status;

/// <summary>A site's state as readers feel it, from best to worst (the page's headline is its worst site's).</summary>
internal enum SiteCondition
{
    /// <summary>Every origin server (primaries and backups) is up.</summary>
    Up,

    /// <summary>Some origin servers are down, but a primary is up: the site is still served by it.</summary>
    SomeDown,

    /// <summary>Every primary is down: a backup origin answers for the site.</summary>
    OnBackup,

    /// <summary>No origin server is up: readers get saved copies, where the edge has them.</summary>
    Degraded,
}
