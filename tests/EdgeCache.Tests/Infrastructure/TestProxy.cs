using EdgeCache.Hosting;
using EdgeCache.Templates;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeCache.Tests.Infrastructure;

/// <summary>
/// EdgeCache itself, on real loopback ports (port 0), in front of a <see cref="TestOrigin"/>,
/// with its own cache folder and an empty content root so the repository's appsettings.json
/// does not leak into tests.
/// </summary>
internal sealed class TestProxy : IAsyncDisposable
{
    private readonly EdgeCacheHost _host;

    private TestProxy(EdgeCacheHost host, string cacheDir, HttpClient client, HttpClient management)
    {
        _host = host;
        CacheDir = cacheDir;
        Client = client;
        Management = management;
    }

    public const string PublicHost = "www.example.test";

    /// <summary>The repository's own templates folder: tests render the pages readers would see.</summary>
    public static string RepositoryTemplates { get; } =
        Path.Combine(CommandLine.FindContentRoot(AppContext.BaseDirectory), "templates");

    public string CacheDir { get; }
    public HttpClient Client { get; }
    public HttpClient Management { get; }
    public IServiceProvider Services => _host.Services;

    public static Task<TestProxy> StartAsync(Uri origin, string? cacheDir = null, TimeProvider? clock = null, params string[] extraArgs) =>
        StartAsync(origin, services: null, cacheDir, clock, extraArgs: extraArgs);

    /// <param name="origin">The origin's address; null when <paramref name="extraArgs"/> carry a <c>ReverseProxy</c> section.</param>
    /// <param name="services">Replaces services after EdgeCache registered its own (a slow disk, say).</param>
    /// <param name="cacheDir">The disk tier's folder; a new one when null.</param>
    /// <param name="clock">EdgeCache's clock.</param>
    /// <param name="waitForTemplates">
    /// Return once the templates have compiled (a few seconds for the first proxy of a test run), so
    /// tests see the templates' pages rather than the built-in ones served meanwhile.
    /// </param>
    /// <param name="extraArgs">More command-line arguments.</param>
    public static async Task<TestProxy> StartAsync(Uri? origin, Action<IServiceCollection>? services, string? cacheDir = null,
        TimeProvider? clock = null, bool waitForTemplates = true, params string[] extraArgs)
    {
        cacheDir ??= TempDirectory.Create("edgecache-cache");
        var contentRoot = TempDirectory.Create("edgecache-root");
        string[] args =
        [
            .. origin is null ? Array.Empty<string>() : ["--origin", origin.ToString()],
            "--cache-dir", cacheDir,
            "--urls", "http://127.0.0.1:0",
            "--management-urls", "http://127.0.0.1:0",
            "--health-path", TestOrigin.HealthPath,
            "--EdgeCache:Degraded:TemplatesPath=" + RepositoryTemplates,
            "--Logging:LogLevel:Default=Warning",
            .. extraArgs,
        ];
        var host = EdgeCacheHost.Build(CommandLine.Parse(args), collection =>
        {
            if (clock is not null)
            {
                collection.AddSingleton(clock);
            }
            services?.Invoke(collection);
        }, contentRoot);
        await host.StartAsync();
        if (waitForTemplates)
        {
            await host.Services.GetRequiredService<TemplateSet>().Ready.WaitAsync(TimeSpan.FromSeconds(60));
        }
        var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false })
        {
            BaseAddress = host.ProxyAddress,
            Timeout = TimeSpan.FromSeconds(30),
        };
        // The public host name readers use: part of the cache key, and the same across restarts
        // (the proxy's own port changes with every start).
        client.DefaultRequestHeaders.Host = PublicHost;
        var management = new HttpClient { BaseAddress = host.ManagementAddress, Timeout = TimeSpan.FromSeconds(10) };
        return new TestProxy(host, cacheDir, client, management);
    }

    public T Get<T>() where T : notnull => _host.Services.GetRequiredService<T>();

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        Management.Dispose();
        await _host.StopAsync();
        await _host.DisposeAsync();
    }
}

internal static class TempDirectory
{
    public static string Create(string prefix)
    {
        var path = Path.Combine(Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return path;
    }
}
