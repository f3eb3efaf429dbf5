namespace EdgeCache.Templates;

/// <summary>The model of <c>errors/&lt;status&gt;.cshtml</c> and <c>errors/default.cshtml</c>.</summary>
public sealed class ErrorPageModel : PageModel
{
    /// <summary>The status sent, e.g. 503.</summary>
    public required int Status { get; init; }

    /// <summary>A friendly sentence for this status.</summary>
    public required string Message { get; init; }

    /// <summary>The site as the reader asked for it (<c>Host</c>, with the port if any).</summary>
    public required string Host { get; init; }

    /// <summary>The request's path, as a link that stays on this site ("Try again").</summary>
    public required string Path { get; init; }

    /// <summary>The request id, also in the logs.</summary>
    public required string RequestId { get; init; }

    /// <summary>Seconds, as in the <c>Retry-After</c> header.</summary>
    public required int RetryAfter { get; init; }

    /// <summary>The status page's path on this site (<c>/_edge/status</c>).</summary>
    public required string StatusPageUrl { get; init; }

    /// <summary>Why the origin gave no answer (<c>origin-down</c>, <c>origin-timeout</c>, ...), as in <c>Cache-Status</c>.</summary>
    public required string Reason { get; init; }

    /// <summary>When, in UTC: <c>2026-11-23 14:05:09 UTC</c>.</summary>
    public required string Time { get; init; }
}
