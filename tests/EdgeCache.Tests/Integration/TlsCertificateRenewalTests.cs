using System.Net;
using System.Security.Cryptography.X509Certificates;
using EdgeCache.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EdgeCache.Tests.Integration;

/// <summary>
/// A certificate renewed on disk while EdgeCache runs, in the setup the README documents (the
/// public listener under <c>Kestrel:Endpoints</c>, the certificate's files under
/// <c>Kestrel:Certificates:Default</c>): new TLS connections get the new certificate without a
/// restart, through Kestrel's own certificate file watching.
/// </summary>
public sealed class TlsCertificateRenewalTests : IAsyncLifetime
{
    private readonly string _dir = TempDirectory.Create("edgecache-renewal");
    private readonly LogCapture _log = new();
    private TestOrigin _origin = null!;

    public async Task InitializeAsync()
    {
        _origin = await TestOrigin.StartAsync();
        _origin.RespondWith("secure page", ("Cache-Control", "public, max-age=600"));
    }

    public async Task DisposeAsync() => await _origin.DisposeAsync();

    private string PemSettings(int port) => $$"""
        {
          "Kestrel": {
            "Endpoints": { "Https": { "Url": "https://127.0.0.1:{{port}}" } },
            "Certificates": { "Default": { "Path": "{{Path.Combine(_dir, "cert.pem")}}", "KeyPath": "{{Path.Combine(_dir, "key.pem")}}" } }
          }
        }
        """;

    private async Task WritePemAsync(X509Certificate2 certificate, string? dir = null)
    {
        dir ??= _dir;
        await File.WriteAllTextAsync(Path.Combine(dir, "cert.pem"), TestCertificates.CertificatePem(certificate));
        await File.WriteAllTextAsync(Path.Combine(dir, "key.pem"), TestCertificates.KeyPem(certificate));
    }

    private async Task<TestProxy> StartWithSettingsAsync(string settings, params string[] args)
    {
        var file = Path.Combine(_dir, "appsettings.json");
        await File.WriteAllTextAsync(file, settings);
        return await TestProxy.StartAsync(_origin.Address, services => services.AddSingleton<ILoggerProvider>(_log),
            extraArgs: ["--config", file, "--Logging:LogLevel:Microsoft.AspNetCore.Server.Kestrel=Information", .. args]);
    }

    private static HttpClient ClientFor(int port) => new(new SocketsHttpHandler
    {
        SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true },
        MaxConnectionsPerServer = 1,
    })
    {
        BaseAddress = new Uri($"https://127.0.0.1:{port}/"),
        DefaultRequestVersion = HttpVersion.Version11,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        Timeout = TimeSpan.FromSeconds(20),
    };

    [Fact]
    public async Task PemFilesOverwrittenInPlace_NewConnectionsGetTheNewCertificate()
    {
        using var a = TestCertificates.Create("A");
        using var b = TestCertificates.Create("B");
        await WritePemAsync(a);
        var port = TestCertificates.FreePort();
        await using var proxy = await StartWithSettingsAsync(PemSettings(port));
        Assert.Equal(a.Thumbprint, await TestCertificates.ServedThumbprintAsync(port));
        using var client = ClientFor(port);
        using (var before = await client.GetAsync("/renewal"))
        {
            Assert.Equal("secure page", await before.Content.ReadAsStringAsync());
        }

        await WritePemAsync(b);

        await TestCertificates.WaitUntilServedAsync(port, b.Thumbprint, "PEM files overwritten");
        using var after = await client.GetAsync("/renewal");
        Assert.Equal("secure page", await after.Content.ReadAsStringAsync());
        Assert.StartsWith("EdgeCache; hit", CacheStatus(after));
        foreach (var e in _log.Entries) Console.WriteLine($"LOG {e.Category} {e.EventId} {e.Message} {e.Exception?.Message}");
    }

    [Fact]
    public async Task CommandLineForm_PemFilesOverwritten_NewConnectionsGetTheNewCertificate()
    {
        using var a = TestCertificates.Create("A");
        using var b = TestCertificates.Create("B");
        await WritePemAsync(a);
        var port = TestCertificates.FreePort();
        await using var proxy = await TestProxy.StartAsync(_origin.Address, extraArgs:
        [
            $"--Kestrel:Endpoints:Https:Url=https://127.0.0.1:{port}",
            "--Kestrel:Certificates:Default:Path=" + Path.Combine(_dir, "cert.pem"),
            "--Kestrel:Certificates:Default:KeyPath=" + Path.Combine(_dir, "key.pem"),
        ]);
        Assert.Equal(a.Thumbprint, await TestCertificates.ServedThumbprintAsync(port));

        await WritePemAsync(b);

        await TestCertificates.WaitUntilServedAsync(port, b.Thumbprint, "PEM files overwritten");
    }

    [Fact]
    public async Task UrlsForm_PemFilesOverwritten_Experiment()
    {
        using var a = TestCertificates.Create("A");
        using var b = TestCertificates.Create("B");
        await WritePemAsync(a);
        var port = TestCertificates.FreePort();
        await using var proxy = await TestProxy.StartAsync(_origin.Address, extraArgs:
        [
            "--urls", $"https://127.0.0.1:{port}",
            "--Kestrel:Certificates:Default:Path=" + Path.Combine(_dir, "cert.pem"),
            "--Kestrel:Certificates:Default:KeyPath=" + Path.Combine(_dir, "key.pem"),
        ]);
        Assert.Equal(a.Thumbprint, await TestCertificates.ServedThumbprintAsync(port));

        await WritePemAsync(b);

        await TestCertificates.WaitUntilServedAsync(port, b.Thumbprint, "PEM files overwritten (--urls)", seconds: 8);
    }

    [Fact]
    public async Task SymlinkSwap_Experiment()
    {
        using var a = TestCertificates.Create("A");
        using var b = TestCertificates.Create("B");
        var v1 = Directory.CreateDirectory(Path.Combine(_dir, "archive", "1")).FullName;
        var v2 = Directory.CreateDirectory(Path.Combine(_dir, "archive", "2")).FullName;
        await WritePemAsync(a, v1);
        await WritePemAsync(b, v2);
        File.CreateSymbolicLink(Path.Combine(_dir, "cert.pem"), Path.Combine(v1, "cert.pem"));
        File.CreateSymbolicLink(Path.Combine(_dir, "key.pem"), Path.Combine(v1, "key.pem"));
        var port = TestCertificates.FreePort();
        await using var proxy = await StartWithSettingsAsync(PemSettings(port));
        Assert.Equal(a.Thumbprint, await TestCertificates.ServedThumbprintAsync(port));

        // certbot's way: each link replaced by a new one (made beside it, renamed over it).
        foreach (var name in new[] { "key.pem", "cert.pem" })
        {
            var temp = Path.Combine(_dir, name + ".new");
            File.CreateSymbolicLink(temp, Path.Combine(v2, name));
            File.Move(temp, Path.Combine(_dir, name), overwrite: true);
        }

        await TestCertificates.WaitUntilServedAsync(port, b.Thumbprint, "symlinks swapped", seconds: 10);
    }

    [Fact]
    public async Task KeyNotMatching_Experiment()
    {
        using var a = TestCertificates.Create("A");
        using var b = TestCertificates.Create("B");
        using var c = TestCertificates.Create("C");
        await WritePemAsync(a);
        var port = TestCertificates.FreePort();
        await using var proxy = await StartWithSettingsAsync(PemSettings(port), "--Logging:LogLevel:Microsoft.AspNetCore.Server.Kestrel=Debug");
        Assert.Equal(a.Thumbprint, await TestCertificates.ServedThumbprintAsync(port));

        await File.WriteAllTextAsync(Path.Combine(_dir, "cert.pem"), TestCertificates.CertificatePem(b));
        await Eventually(() => _log.Entries.Any(e => e.Level >= LogLevel.Error || e.Message.Contains("Stopping")), "a log", seconds: 10);
        var served = await TestCertificates.ServedThumbprintAsync(port);
        Console.WriteLine($"MISMATCH served={(served == a.Thumbprint ? "A" : served == b.Thumbprint ? "B" : served ?? "none")}");
        foreach (var e in _log.Entries) Console.WriteLine($"LOG {e.Level} {e.Category} {e.EventId} {e.Message} | {e.Exception?.GetType().Name}: {e.Exception?.Message}");
        await WritePemAsync(c);
        await TestCertificates.WaitUntilServedAsync(port, c.Thumbprint, "after a broken renewal, a good one", seconds: 10);
    }
}
