using System.Net;

namespace EdgeCache.AccessLog;

/// <summary>The fields of one access log line, as the request left them.</summary>
internal readonly record struct AccessLogLine(
    DateTimeOffset Time,
    IPAddress? Client,
    string Method,
    string Host,
    string Target,
    string Protocol,
    int Status,
    long Bytes,
    string? Referer,
    string? UserAgent,
    string Cache,
    string? Detail,
    int? OriginStatus,
    TimeSpan Duration,
    TimeSpan? OriginDuration);
