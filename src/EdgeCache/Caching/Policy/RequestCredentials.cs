namespace EdgeCache.Caching.Policy;

/// <summary>What in a request identifies its reader: a response to such a request is shared only when the origin (or a rule) says so.</summary>
[Flags]
internal enum RequestCredentials
{
    None = 0,

    /// <summary>The request carried <c>Authorization</c>.</summary>
    Authorization = 1,

    /// <summary>The request carried <c>Cookie</c>.</summary>
    Cookie = 2,
}
