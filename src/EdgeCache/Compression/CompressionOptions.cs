namespace EdgeCache.Compression;

/// <summary>Compression at the edge from <c>EdgeCache:Compression</c>: stored text compressed once, when stored.</summary>
public sealed class CompressionOptions
{
    /// <summary>Its configuration section.</summary>
    public const string Section = "EdgeCache:Compression";

    /// <summary>The media types compressed when <see cref="Types"/> is not configured; an entry starting with <c>+</c> matches a structured suffix.</summary>
    public static readonly IReadOnlyList<string> DefaultTypes =
    [
        "text/html", "text/css", "text/plain", "text/xml", "application/javascript", "text/javascript",
        "application/json", "application/xml", "image/svg+xml", "+json", "+xml",
    ];

    /// <summary>Store Brotli and gzip forms of compressible responses the origin sent without <c>Content-Encoding</c>.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Media types compressed (no parameters); <c>+json</c> stands for every <c>…+json</c> type. Null:
    /// <see cref="DefaultTypes"/>. A null default, not a filled list, because the configuration binder
    /// adds configured items to a list's existing ones.
    /// </summary>
    public List<string>? Types { get; set; }

    /// <summary>Bodies smaller than this are stored and served as sent (compression gains little on them).</summary>
    public int MinBytes { get; set; } = 1024;

    /// <summary>Brotli quality, 0 to 11.</summary>
    public int BrotliLevel { get; set; } = 5;

    /// <summary>gzip (zlib) level, 0 to 9. 7 rather than zlib's usual 6: .NET's zlib-ng compresses levels 2 to 6 alike, and 7 is markedly smaller on repetitive markup (README, compression).</summary>
    public int GzipLevel { get; set; } = 7;

    /// <summary>The type list in effect.</summary>
    internal IReadOnlyList<string> TypeList => Types ?? DefaultTypes;
}
