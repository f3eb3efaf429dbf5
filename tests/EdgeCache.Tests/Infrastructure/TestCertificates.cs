using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EdgeCache.Tests.Infrastructure;

/// <summary>Self-signed certificates for 127.0.0.1, written as a listener's files, and what a new TLS connection is served.</summary>
internal static class TestCertificates
{
    /// <summary>A certificate for 127.0.0.1 with its private key, valid from yesterday to tomorrow.</summary>
    public static X509Certificate2 Create(string name)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN=127.0.0.1, O={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
    }

    /// <summary>The certificate's PEM text (<c>cert.pem</c>).</summary>
    public static string CertificatePem(X509Certificate2 certificate) => certificate.ExportCertificatePem();

    /// <summary>Its private key's PEM text (<c>key.pem</c>, PKCS#8).</summary>
    public static string KeyPem(X509Certificate2 certificate) => certificate.GetRSAPrivateKey()!.ExportPkcs8PrivateKeyPem();

    /// <summary>The certificate and its key as a PFX (PKCS#12) protected by <paramref name="password"/>.</summary>
    public static byte[] Pfx(X509Certificate2 certificate, string password) => certificate.Export(X509ContentType.Pfx, password);

    /// <summary>
    /// The thumbprint of the certificate a new TLS connection to <paramref name="port"/> is served
    /// (ALPN offering h2 and http/1.1, as browsers do); null when the connection is refused or the
    /// handshake fails (a listener being rebound).
    /// </summary>
    public static async Task<string?> ServedThumbprintAsync(int port)
    {
        try
        {
            using var tcp = new TcpClient();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await tcp.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
            await using var tls = new SslStream(tcp.GetStream());
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "127.0.0.1",
                RemoteCertificateValidationCallback = (_, _, _, _) => true,
                ApplicationProtocols = [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11],
            }, timeout.Token);
            return tls.RemoteCertificate is { } served ? served.GetCertHashString() : null;
        }
        catch (Exception ex) when (ex is SocketException or IOException or AuthenticationException or OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>Polls new connections until one is served <paramref name="thumbprint"/>; fails the test after <paramref name="seconds"/>.</summary>
    public static async Task WaitUntilServedAsync(int port, string thumbprint, string what, int seconds = 15)
    {
        var watch = Stopwatch.StartNew();
        string? last = null;
        while ((last = await ServedThumbprintAsync(port)) != thumbprint)
        {
            if (watch.Elapsed > TimeSpan.FromSeconds(seconds))
            {
                Assert.Fail($"{what}: new connections were not served {thumbprint} within {seconds} s (last served: {last ?? "no handshake"})");
            }
            await Task.Delay(100);
        }
    }

    /// <summary>A free loopback port (a listener whose address must stay the same across a rebind).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
