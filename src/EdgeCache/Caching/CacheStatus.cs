namespace EdgeCache.Caching;

/// <summary>RFC 9211 <c>Cache-Status</c> members, named <c>EdgeCache</c>.</summary>
internal static class CacheStatus
{
    public const string HeaderName = "Cache-Status";
    public const string Name = "EdgeCache";

    public static string Hit(TimeSpan ttl, string? detail = null) => Hit(Seconds(ttl), detail);

    public static string Hit(long ttlSeconds, string? detail = null) =>
        $"{Name}; hit; ttl={ttlSeconds}{Detail(detail)}";

    /// <param name="fwd">miss, vary-miss, stale, request, bypass, method.</param>
    /// <param name="backup">A backup origin answered: the extension parameter <c>origin=backup</c>.</param>
    public static string Forward(string fwd, int? fwdStatus = null, bool stored = false, TimeSpan? ttl = null,
        bool collapsed = false, string? detail = null, bool backup = false)
    {
        var status = fwdStatus is { } s ? $"; fwd-status={s}" : "";
        var storedPart = stored ? "; stored" : "";
        var ttlPart = ttl is { } t ? $"; ttl={Seconds(t)}" : "";
        var collapsedPart = collapsed ? "; collapsed" : "";
        var backupPart = backup ? "; origin=backup" : "";
        return $"{Name}; fwd={fwd}{status}{storedPart}{ttlPart}{collapsedPart}{backupPart}{Detail(detail)}";
    }

    /// <summary>A request the edge answered itself without looking anything up (a malformed request, say).</summary>
    public static string Refused(string detail) => $"{Name}; detail={detail}";

    private static string Detail(string? detail) => detail is null ? "" : $"; detail={detail}";

    public static long Seconds(TimeSpan value) => (long)Math.Floor(value.TotalSeconds);
}
