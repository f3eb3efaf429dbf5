using System.Net;
using System.Security.Cryptography.X509Certificates;
using EdgeCache.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EdgeCache.Tests.Integration;

/// <summary>
/// A certificate renewed on disk while EdgeCache runs, in the setup the README documents (the
/// public listener under <c>Kestrel:Endpoints</c>, the certificate's files under
/// <c>Kestrel:Certificates:Default</c>): new TLS connections get the new certificate without a
/// restart, through Kestrel's own certificate file watching (README, "HTTPS and HTTP/2").
/// </summary>
public sealed class TlsCertificateRenewalTests : IAsyncLifetime
{
    private const string KestrelCategory = "Microsoft.AspNetCore.Server.Kestrel";
    private readonly string _dir = TempDirectory.Create("edgecache-renewal");
    private readonly LogCapture _log = new();
    private TestOrigin _origin = null!;

    public async Task InitializeAsync()
    {
        _origin = await TestOrigin.StartAsync();
        _origin.RespondWith("secure page", ("Cache-Control", "public, max-age=600"));
    }

    public async Task DisposeAsync() => await _origin.DisposeAsync();

    private string Cert => Path.Combine(_dir, "cert.pem");
    private string Key => Path.Combine(_dir, "key.pem");

    /// <summary>The README's settings-file form, with the certificate's PEM files.</summary>
    private string PemSettings(int port) => $$"""
        {
          "Kestrel": {
            "Endpoints": { "Https": { "Url": "https://127.0.0.1:{{port}}" } },
            "Certificates": { "Default": { "Path": "{{Cert}}", "KeyPath": "{{Key}}" } }
          }
        }
        """;

    private async Task WritePemAsync(X509Certificate2 certificate, string? dir = null)
    {
        dir ??= _dir;
        // The key first, the certificate last: the certificate's file is the one Kestrel watches.
        await File.WriteAllTextAsync(Path.Combine(dir, "key.pem"), TestCertificates.KeyPem(certificate));
        await File.WriteAllTextAsync(Path.Combine(dir, "cert.pem"), TestCertificates.CertificatePem(certificate));
    }

    private async Task<TestProxy> StartWithSettingsAsync(string settings, params string[] args)
    {
        var file = Path.Combine(_dir, "appsettings.json");
        await File.WriteAllTextAsync(file, settings);
        return await TestProxy.StartAsync(_origin.Address, services => services.AddSingleton<ILoggerProvider>(_log),
            extraArgs: ["--config", file, $"--Logging:LogLevel:{KestrelCategory}=Information", .. args]);
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
    public async Task SettingsFile_PemFilesOverwrittenInPlace_NewConnectionsGetTheNewCertificate_HttpClientKeepsWorking()
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

        await TestCertificates.WaitUntilServedAsync(port, b.Thumbprint, "PEM files overwritten in place");
        // The client that held a keep-alive connection through the renewal is still answered (a hit).
        using var after = await client.GetAsync("/renewal");
        Assert.Equal("secure page", await after.Content.ReadAsStringAsync());
        Assert.StartsWith("EdgeCache; hit", CacheStatus(after));
        Assert.Equal(1, _origin.CountFor("/renewal"));
        // HTTP/2 by ALPN on the same endpoint, with the new certificate.
        using var h2 = ClientFor(port);
        using var overH2 = await h2.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/renewal") { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact });
        Assert.Equal(HttpVersion.Version20, overH2.Version);
        Assert.StartsWith("EdgeCache; hit", CacheStatus(overH2));
        // Kestrel's own account of it: the endpoint rebound on the same address.
        Assert.Contains(_log.Entries, e => e.Category == KestrelCategory && e.Message.Contains($"Starting the following endpoints: 'https://127.0.0.1:{port}'"));
    }

    [Fact]
    public async Task SettingsFileEdited_CertificatePathPointsAtNewFiles_KestrelRebindsThroughTheCheckedSettingsFile()
    {
        using var a = TestCertificates.Create("A");
        using var b = TestCertificates.Create("B");
        await WritePemAsync(a);
        var renewed = TempDirectory.Create("edgecache-renewed");
        await WritePemAsync(b, renewed);
        var port = TestCertificates.FreePort();
        await using var proxy = await StartWithSettingsAsync(PemSettings(port), "--Logging:LogLevel:EdgeCache.Configuration=Information");
        Assert.Equal(a.Thumbprint, await TestCertificates.ServedThumbprintAsync(port));

        // EdgeCache's checked settings file publishes the change; Kestrel's own configuration reload takes it.
        await File.WriteAllTextAsync(Path.Combine(_dir, "appsettings.json"), PemSettings(port).Replace(_dir, renewed));

        await _log.WaitForAsync(global::EdgeCache.Diagnostics.EventIds.ConfigReloaded, timeout: TimeSpan.FromSeconds(15));
        await TestCertificates.WaitUntilServedAsync(port, b.Thumbprint, "the settings file pointed at the new files");
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
            "--Kestrel:Certificates:Default:Path=" + Cert,
            "--Kestrel:Certificates:Default:KeyPath=" + Key,
        ]);
        Assert.Equal(a.Thumbprint, await TestCertificates.ServedThumbprintAsync(port));

        await WritePemAsync(b);

        await TestCertificates.WaitUntilServedAsync(port, b.Thumbprint, "PEM files overwritten (command-line form)");
    }

    [Fact]
    public async Task SettingsFile_PfxOverwritten_NewConnectionsGetTheNewCertificate()
    {
        using var a = TestCertificates.Create("A");
        using var b = TestCertificates.Create("B");
        var pfx = Path.Combine(_dir, "site.pfx");
        await File.WriteAllBytesAsync(pfx, TestCertificates.Pfx(a, "s3cret"));
        var port = TestCertificates.FreePort();
        await using var proxy = await StartWithSettingsAsync($$"""
            {
              "Kestrel": {
                "Endpoints": { "Https": { "Url": "https://127.0.0.1:{{port}}" } },
                "Certificates": { "Default": { "Path": "{{pfx}}", "Password": "s3cret" } }
              }
            }
            """);
        Assert.Equal(a.Thumbprint, await TestCertificates.ServedThumbprintAsync(port));

        await File.WriteAllBytesAsync(pfx, TestCertificates.Pfx(b, "s3cret"));

        await TestCertificates.WaitUntilServedAsync(port, b.Thumbprint, "PFX overwritten");
    }

    [Fact]
    public async Task EndpointCertificate_PemFilesOverwritten_NewConnectionsGetTheNewCertificate()
    {
        using var a = TestCertificates.Create("A");
        using var b = TestCertificates.Create("B");
        await WritePemAsync(a);
        var port = TestCertificates.FreePort();
        await using var proxy = await StartWithSettingsAsync($$"""
            {
              "Kestrel": {
                "Endpoints": { "Https": { "Url": "https://127.0.0.1:{{port}}", "Certificate": { "Path": "{{Cert}}", "KeyPath": "{{Key}}" } } }
              }
            }
            """);
        Assert.Equal(a.Thumbprint, await TestCertificates.ServedThumbprintAsync(port));

        await WritePemAsync(b);

        await TestCertificates.WaitUntilServedAsync(port, b.Thumbprint, "the endpoint's own certificate overwritten");
    }

    [Fact]
    public async Task CertbotStyleSymlinkSwap_NewConnectionsGetTheNewCertificate()
    {
        using var a = TestCertificates.Create("A");
        using var b = TestCertificates.Create("B");
        var archive1 = Directory.CreateDirectory(Path.Combine(_dir, "archive", "1")).FullName;
        var archive2 = Directory.CreateDirectory(Path.Combine(_dir, "archive", "2")).FullName;
        await WritePemAsync(a, archive1);
        File.CreateSymbolicLink(Cert, Path.Combine(archive1, "cert.pem"));
        File.CreateSymbolicLink(Key, Path.Combine(archive1, "key.pem"));
        var port = TestCertificates.FreePort();
        await using var proxy = await StartWithSettingsAsync(PemSettings(port));
        Assert.Equal(a.Thumbprint, await TestCertificates.ServedThumbprintAsync(port));

        // certbot's renewal: new files in the archive, then each link in the watched folder
        // replaced by a new one renamed over it (the key's link first, as certbot's privkey.pem
        // comes before fullchain.pem).
        await WritePemAsync(b, archive2);
        foreach (var name in new[] { "key.pem", "cert.pem" })
        {
            var temp = Path.Combine(_dir, name + ".new");
            File.CreateSymbolicLink(temp, Path.Combine(archive2, name));
            File.Move(temp, Path.Combine(_dir, name), overwrite: true);
        }

        await TestCertificates.WaitUntilServedAsync(port, b.Thumbprint, "links swapped");
    }

    [Fact]
    public async Task RequestInFlightDuringRenewal_CompletesIntact_ThenTheRebindServesTheNewCertificate()
    {
        using var a = TestCertificates.Create("A");
        using var b = TestCertificates.Create("B");
        await WritePemAsync(a);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _origin.Respond(async context =>
        {
            arrived.TrySetResult();
            await release.Task;
            await context.Response.WriteAsync("slow page");
        });
        var port = TestCertificates.FreePort();
        await using var proxy = await StartWithSettingsAsync(PemSettings(port));
        using var client = ClientFor(port);
        var inFlight = client.GetAsync("/slow");
        await arrived.Task.WaitAsync(TimeSpan.FromSeconds(15));

        await WritePemAsync(b);
        // Kestrel stops the endpoint first (waiting up to 5 s for its connections), then binds it again.
        await _log.WaitForAsync(0, m => m.Contains("Stopping the following endpoints"), TimeSpan.FromSeconds(15));
        release.SetResult();

        using var response = await inFlight;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("slow page", await response.Content.ReadAsStringAsync());
        await TestCertificates.WaitUntilServedAsync(port, b.Thumbprint, "after the request in flight finished");
    }

    [Fact]
    public async Task KeyNotMatchingTheCertificate_OldCertificateStaysAndKestrelLogsIt_ThenAGoodRenewalIsTaken()
    {
        using var a = TestCertificates.Create("A");
        using var b = TestCertificates.Create("B");
        using var c = TestCertificates.Create("C");
        await WritePemAsync(a);
        var port = TestCertificates.FreePort();
        await using var proxy = await StartWithSettingsAsync(PemSettings(port));
        Assert.Equal(a.Thumbprint, await TestCertificates.ServedThumbprintAsync(port));

        // A broken renewal: B's certificate beside A's key.
        await File.WriteAllTextAsync(Cert, TestCertificates.CertificatePem(b));

        var failed = await _log.WaitForAsync(0, m => m.Contains("Unable to reload configuration"), TimeSpan.FromSeconds(15));
        Assert.Equal(LogLevel.Critical, failed.Level);
        Assert.Equal(KestrelCategory, failed.Category);
        Assert.Contains(Key, failed.Exception?.Message);
        // Still up, still serving A, and still answering.
        Assert.Equal(a.Thumbprint, await TestCertificates.ServedThumbprintAsync(port));
        using (var client = ClientFor(port))
        {
            Assert.Equal("secure page", await client.GetStringAsync("/broken"));
        }

        // The next renewal that writes the certificate's file is taken.
        await WritePemAsync(c);
        await TestCertificates.WaitUntilServedAsync(port, c.Thumbprint, "a good renewal after a broken one");
    }

    [Fact]
    public async Task HalfWrittenCertificate_OldCertificateStays_TheCompletedFileIsTaken()
    {
        using var a = TestCertificates.Create("A");
        using var b = TestCertificates.Create("B");
        await WritePemAsync(a);
        var port = TestCertificates.FreePort();
        await using var proxy = await StartWithSettingsAsync(PemSettings(port));
        Assert.Equal(a.Thumbprint, await TestCertificates.ServedThumbprintAsync(port));

        await File.WriteAllTextAsync(Key, TestCertificates.KeyPem(b));
        var pem = TestCertificates.CertificatePem(b);
        await File.WriteAllTextAsync(Cert, pem[..(pem.Length / 2)]);
        await _log.WaitForAsync(0, m => m.Contains("Unable to reload configuration"), TimeSpan.FromSeconds(15));
        Assert.Equal(a.Thumbprint, await TestCertificates.ServedThumbprintAsync(port));

        await File.WriteAllTextAsync(Cert, pem);
        await TestCertificates.WaitUntilServedAsync(port, b.Thumbprint, "the certificate's file completed");
    }

    [Fact]
    public async Task OnlyTheCertificatesFileIsWatched_NotItsKeyFile()
    {
        using var a = TestCertificates.Create("A");
        await WritePemAsync(a);
        await using var proxy = await StartWithSettingsAsync(PemSettings(TestCertificates.FreePort()),
            "--Logging:LogLevel:Microsoft.AspNetCore.Server.Kestrel.Core.Internal.CertificatePathWatcher=Debug");

        var watched = _log.Entries.Where(e => e.EventId.Name == "CreatedFileWatcher").Select(e => e.Message).ToList();
        Assert.Equal([$"Created file watcher for '{Cert}'."], watched);
    }

    [Fact]
    public async Task UrlsForm_CertificateFileChanged_KestrelNoticesButTheListenerKeepsTheOldCertificate()
    {
        using var a = TestCertificates.Create("A");
        using var b = TestCertificates.Create("B");
        await WritePemAsync(a);
        await using var proxy = await TestProxy.StartAsync(_origin.Address, services => services.AddSingleton<ILoggerProvider>(_log), extraArgs:
        [
            "--urls", "https://127.0.0.1:0",
            "--Kestrel:Certificates:Default:Path=" + Cert,
            "--Kestrel:Certificates:Default:KeyPath=" + Key,
            $"--Logging:LogLevel:{KestrelCategory}=Debug",
        ]);
        var port = proxy.Client.BaseAddress!.Port;
        Assert.Equal(a.Thumbprint, await TestCertificates.ServedThumbprintAsync(port));

        await WritePemAsync(b);

        // Kestrel sees the file change and reloads its configuration, but only endpoints under
        // Kestrel:Endpoints are ever rebound: an --urls listener keeps the certificate it started with.
        await _log.WaitForAsync(0, m => m.Contains("Config reload token fired"), TimeSpan.FromSeconds(15));
        Assert.DoesNotContain(_log.Entries, e => e.Message.Contains("Stopping the following endpoints"));
        Assert.Equal(a.Thumbprint, await TestCertificates.ServedThumbprintAsync(port));
    }

    /// <summary>
    /// A Kubernetes Secret (cert-manager): the files are links into <c>..data</c>, itself a link
    /// swapped for a new folder in one rename, so no event names the certificate's file. With
    /// <c>DOTNET_USE_POLLING_FILE_WATCHER=1</c> (as for a ConfigMap'd settings file) the watcher
    /// polls the file every 4 s and sees the new one; without it, .NET's watcher on Linux saw the
    /// swap too in these tests. The variable is read process-wide, so this runs EdgeCache as its own process.
    /// </summary>
    [Theory]
    [InlineData("1")]
    [InlineData("0")]
    public async Task KubernetesSecretSwap_NewConnectionsGetTheNewCertificate(string pollingWatcher)
    {
        using var a = TestCertificates.Create("A");
        using var b = TestCertificates.Create("B");
        var secret = Directory.CreateDirectory(Path.Combine(_dir, "tls")).FullName;
        var first = Directory.CreateDirectory(Path.Combine(secret, "..2026_01_01")).FullName;
        await WritePemAsync(a, first);
        Directory.CreateSymbolicLink(Path.Combine(secret, "..data"), first);
        File.CreateSymbolicLink(Path.Combine(secret, "cert.pem"), Path.Combine("..data", "cert.pem"));
        File.CreateSymbolicLink(Path.Combine(secret, "key.pem"), Path.Combine("..data", "key.pem"));
        var port = TestCertificates.FreePort();
        var settings = Path.Combine(_dir, "appsettings.json");
        await File.WriteAllTextAsync(settings, $$"""
            {
              "Kestrel": {
                "Endpoints": { "Https": { "Url": "https://127.0.0.1:{{port}}" } },
                "Certificates": { "Default": { "Path": "tls/cert.pem", "KeyPath": "tls/key.pem" } }
              }
            }
            """);
        await using var edgeCache = EdgeCacheProcess.Start(
            ["--config", settings, "--origin", _origin.Address.ToString(), "--cache-dir", Path.Combine(_dir, "cache"), "--management-urls", "http://127.0.0.1:0"],
            new Dictionary<string, string> { ["DOTNET_USE_POLLING_FILE_WATCHER"] = pollingWatcher });
        try
        {
            await TestCertificates.WaitUntilServedAsync(port, a.Thumbprint, "EdgeCache started with the Secret's certificate", seconds: 30);

            // The kubelet's update: a new folder, a new ..data link renamed over the old one.
            var second = Directory.CreateDirectory(Path.Combine(secret, "..2026_03_01")).FullName;
            await WritePemAsync(b, second);
            Directory.CreateSymbolicLink(Path.Combine(secret, "..data_tmp"), second);
            // rename(2) of the link itself (File.Move follows a link to a folder); mv -T is that one call.
            var moved = await ProcessRunner.RunAsync("mv", ["-T", Path.Combine(secret, "..data_tmp"), Path.Combine(secret, "..data")]);
            Assert.True(moved.ExitCode == 0, moved.Error);

            await TestCertificates.WaitUntilServedAsync(port, b.Thumbprint, $"the Secret's ..data swapped (DOTNET_USE_POLLING_FILE_WATCHER={pollingWatcher})");
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw new Xunit.Sdk.XunitException($"{ex.Message}\nEdgeCache printed:\n{edgeCache.Output}");
        }
    }
}
