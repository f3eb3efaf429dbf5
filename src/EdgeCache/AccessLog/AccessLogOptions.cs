namespace EdgeCache.AccessLog;

/// <summary>The access log, from <c>EdgeCache:AccessLog</c>; reloads with the configuration.</summary>
public sealed class AccessLogOptions
{
    /// <summary>Its configuration section.</summary>
    public const string Section = "EdgeCache:AccessLog";

    public const string TextFormat = "text";
    public const string JsonFormat = "json";

    /// <summary>One line per request on standard output. Off by default.</summary>
    public bool Enabled { get; set; }

    /// <summary><c>text</c> (the combined log format plus EdgeCache's fields) or <c>json</c> (one object per line).</summary>
    public string Format { get; set; } = TextFormat;

    internal bool IsJson => string.Equals(Format, JsonFormat, StringComparison.OrdinalIgnoreCase);

    internal static bool IsKnownFormat(string? format) =>
        string.Equals(format, TextFormat, StringComparison.OrdinalIgnoreCase) || string.Equals(format, JsonFormat, StringComparison.OrdinalIgnoreCase);
}
