using System.IO.Compression;
using System.Xml;

namespace EdgeCache.Warming;

/// <summary>Reads sitemaps (sitemaps.org 0.9): page URLs from a urlset, child sitemaps from a sitemapindex; gzip detected by its magic bytes.</summary>
internal static class SitemapParser
{
    public sealed record Result(IReadOnlyList<Uri> Pages, IReadOnlyList<Uri> Sitemaps);

    /// <exception cref="XmlException">The document is not well-formed XML.</exception>
    public static Result Parse(byte[] content)
    {
        Stream stream = new MemoryStream(content);
        if (content.Length > 2 && content[0] == 0x1f && content[1] == 0x8b)
        {
            stream = new GZipStream(stream, CompressionMode.Decompress);
        }
        var pages = new List<Uri>();
        var sitemaps = new List<Uri>();
        var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, IgnoreComments = true, Async = false };
        using var reader = XmlReader.Create(stream, settings);
        string? parent = null;
        while (reader.Read())
        {
            if (reader.NodeType != XmlNodeType.Element)
            {
                continue;
            }
            if (reader.LocalName is "url" or "sitemap")
            {
                parent = reader.LocalName;
            }
            else if (reader.LocalName == "loc" && parent is not null)
            {
                var text = reader.ReadElementContentAsString().Trim();
                if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
                {
                    (parent == "sitemap" ? sitemaps : pages).Add(uri);
                }
            }
        }
        return new Result(pages, sitemaps);
    }
}
