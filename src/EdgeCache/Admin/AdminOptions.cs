namespace EdgeCache.Admin;

/// <summary>The admin API, <c>EdgeCache:Admin</c>.</summary>
public sealed class AdminOptions
{
    /// <summary>Its configuration section.</summary>
    public const string Section = "EdgeCache:Admin";

    /// <summary>
    /// Bearer token for <c>/admin/*</c> (or the environment variable <c>EDGECACHE_ADMIN_TOKEN</c>).
    /// With no token the admin API is off: every <c>/admin</c> path answers 404.
    /// </summary>
    public string? Token { get; set; }

    /// <summary>Largest request body accepted, in bytes.</summary>
    public int MaxBodyBytes { get; set; } = 64 * 1024;

    /// <summary>Most URLs one warm request may list.</summary>
    public int MaxWarmUrls { get; set; } = 1000;
}
