using System.IO.Compression;
using System.Text;
using System.Xml;
using EdgeCache.Warming;

namespace EdgeCache.Tests.Warming;

public sealed class SitemapParserTests
{
    private const string UrlSet = """
        <?xml version="1.0" encoding="UTF-8"?>
        <urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
          <url><loc>https://www.example.com/a</loc><lastmod>2026-11-01</lastmod></url>
          <url><loc> https://www.example.com/b </loc></url>
          <url><loc>ftp://www.example.com/not-http</loc></url>
        </urlset>
        """;

    [Fact]
    public void Parse_UrlSet_PageUrls()
    {
        var result = SitemapParser.Parse(Encoding.UTF8.GetBytes(UrlSet));

        Assert.Equal(["https://www.example.com/a", "https://www.example.com/b"], result.Pages.Select(u => u.ToString()));
        Assert.Empty(result.Sitemaps);
    }

    [Fact]
    public void Parse_SitemapIndex_ChildSitemaps()
    {
        var result = SitemapParser.Parse(Encoding.UTF8.GetBytes("""
            <sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
              <sitemap><loc>https://www.example.com/sitemap-1.xml.gz</loc></sitemap>
            </sitemapindex>
            """));

        Assert.Equal("https://www.example.com/sitemap-1.xml.gz", Assert.Single(result.Sitemaps).ToString());
        Assert.Empty(result.Pages);
    }

    [Fact]
    public void Parse_Gzip_Decompressed()
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(Encoding.UTF8.GetBytes(UrlSet));
        }

        Assert.Equal(2, SitemapParser.Parse(buffer.ToArray()).Pages.Count);
    }

    [Fact]
    public void Parse_MalformedXml_Throws() =>
        Assert.ThrowsAny<XmlException>(() => SitemapParser.Parse(Encoding.UTF8.GetBytes("<urlset><url><loc>https://x/a</loc></url>")));

    [Fact]
    public void Parse_Dtd_Refused() =>
        Assert.ThrowsAny<XmlException>(() => SitemapParser.Parse(Encoding.UTF8.GetBytes(
            "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><urlset><url><loc>&e;</loc></url></urlset>")));
}
