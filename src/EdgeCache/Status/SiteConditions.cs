using EdgeCache.Origin;

namespace EdgeCache.Status;

/// <summary>Pure decisions about a site's <see cref="SiteCondition"/>, and its words.</summary>
internal static class SiteConditions
{
    /// <param name="mode">Which origins the site uses (<see cref="OriginHealth"/>).</param>
    /// <param name="anyDestinationDown">Whether any of its destinations, primary or backup, is down.</param>
    public static SiteCondition Of(SiteMode mode, bool anyDestinationDown) => mode switch
    {
        SiteMode.Down => SiteCondition.Degraded,
        SiteMode.Backup => SiteCondition.OnBackup,
        _ => anyDestinationDown ? SiteCondition.SomeDown : SiteCondition.Up,
    };

    public static SiteCondition Of(OriginHealth.SiteStatus site) => Of(site.Mode, site.Destinations.Any(d => !d.Up));

    /// <summary>
    /// Since when the site has been in <paramref name="condition"/>: the mode's start on its backup or
    /// degraded; the first destination still down when some are down; when the last one came up when up.
    /// </summary>
    public static DateTimeOffset Since(OriginHealth.SiteStatus site, SiteCondition condition) => condition switch
    {
        SiteCondition.SomeDown => site.Destinations.Where(d => !d.Up).Min(d => d.Since),
        SiteCondition.Up => site.Destinations.Select(d => d.Since).Append(site.Since).Max(),
        _ => site.Since,
    };

    /// <summary>The state's name in the model and the JSON.</summary>
    public static string Key(SiteCondition condition) => condition switch
    {
        SiteCondition.Up => "up",
        SiteCondition.SomeDown => "some-down",
        SiteCondition.OnBackup => "on-backup",
        _ => "degraded",
    };

    /// <summary>The state in a few words, for a site's line and an incident.</summary>
    public static string Label(SiteCondition condition) => condition switch
    {
        SiteCondition.Up => "Up: every origin server is answering",
        SiteCondition.SomeDown => "Some origin servers down: site still served",
        SiteCondition.OnBackup => "On its backup origin",
        _ => "Down: serving saved copies",
    };

    /// <summary>The page's headline when this is its worst site's state.</summary>
    public static string Headline(SiteCondition condition) => condition switch
    {
        SiteCondition.Up => "All systems normal",
        SiteCondition.SomeDown => "Some origin servers are down: site still served",
        SiteCondition.OnBackup => "Running on the backup origin",
        _ => "Site down: serving saved copies",
    };
}
