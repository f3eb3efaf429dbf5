using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EdgeCache.Tests.Infrastructure;

namespace EdgeCache.Tests.Integration;

/// <summary>An https:// listener with Kestrel's PEM certificate settings, as the README gives them, serving a hit over TLS (HTTP/1.1 and HTTP/2).</summary>
public sealed class TlsListenerTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task HttpsListenerWithPemCertificate_ServesAHitOverTls(int httpMajor)
    {
        var dir = TempDirectory.Create("edgecache-tls");
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        await File.WriteAllTextAsync(Path.Combine(dir, "cert.pem"), certificate.ExportCertificatePem());
        await File.WriteAllTextAsync(Path.Combine(dir, "key.pem"), key.ExportPkcs8PrivateKeyPem());
        await using var origin = await TestOrigin.StartAsync();
        origin.RespondWith("secure page", ("Cache-Control", "public, max-age=600"));
        await using var proxy = await TestProxy.StartAsync(origin.Address, extraArgs:
        [
            "--urls", "https://127.0.0.1:0",
            "--Kestrel:Certificates:Default:Path=" + Path.Combine(dir, "cert.pem"),
            "--Kestrel:Certificates:Default:KeyPath=" + Path.Combine(dir, "key.pem"),
        ]);
        var thumbprint = certificate.Thumbprint;
        using var client = new HttpClient(new SocketsHttpHandler
        {
            SslOptions = { RemoteCertificateValidationCallback = (_, served, _, _) => served?.GetCertHashString() == thumbprint },
        })
        {
            BaseAddress = proxy.Client.BaseAddress,
            DefaultRequestVersion = new Version(httpMajor, 0),
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        Assert.Equal("https", client.BaseAddress!.Scheme);

        using var first = await client.GetAsync("/tls");
        using var second = await client.GetAsync("/tls");

        Assert.Equal("secure page", await second.Content.ReadAsStringAsync());
        Assert.Equal(new Version(httpMajor, httpMajor == 1 ? 1 : 0), second.Version);
        Assert.StartsWith("EdgeCache; hit", string.Join(", ", second.Headers.GetValues("Cache-Status")));
        Assert.Equal(1, origin.CountFor("/tls"));
    }
}
