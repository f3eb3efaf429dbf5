using System.Text;
using EdgeCache.AccessLog;
using EdgeCache.Admin;
using EdgeCache.Caching;
using EdgeCache.Caching.Pipeline;
using EdgeCache.Caching.Stores;
using EdgeCache.Coverage;
using EdgeCache.Templates;
using EdgeCache.Warming;
using EdgeCache.Protection;
using EdgeCache.Degraded;
using EdgeCache.Demo;
using EdgeCache.Status;
using Microsoft.AspNetCore.Http;
using EdgeCache.Metrics;
using EdgeCache.Origin;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace EdgeCache.Hosting;

/// <summary>
/// Composes EdgeCache: the public proxy listener (YARP with the cache in its pipeline), the
/// management listener (<c>/healthz</c>; later metrics and admin) so the proxy's own endpoints
/// never collide with origin paths, and optionally the demo origin.
/// </summary>
internal sealed class EdgeCacheHost : IAsyncDisposable
{
    private EdgeCacheHost(WebApplication proxy, WebApplication management, DemoOrigin? demo, IReadOnlyCollection<ListenOptions> priorKnowledgeOnly)
    {
        Proxy = proxy;
        Management = management;
        Demo = demo;
        _priorKnowledgeOnly = priorKnowledgeOnly;
    }

    private readonly IReadOnlyCollection<ListenOptions> _priorKnowledgeOnly;

    public WebApplication Proxy { get; }
    public WebApplication Management { get; }
    public DemoOrigin? Demo { get; }

    public IServiceProvider Services => Proxy.Services;

    /// <summary>
    /// The first address the proxy listens on that speaks HTTP/1.1 (known after start): warming sends
    /// its requests there. A cleartext HTTP/2-only endpoint (h2c, <c>"Protocols": "Http2"</c> on an
    /// <c>http://</c> URL) answers only clients that start with HTTP/2, so it is passed over.
    /// </summary>
    public Uri ProxyAddress => Proxy.Urls.Select(url => new Uri(url)).OrderBy(PriorKnowledgeOnly).First();

    private bool PriorKnowledgeOnly(Uri address) =>
        address.Scheme == Uri.UriSchemeHttp && _priorKnowledgeOnly.Any(endpoint => endpoint.IPEndPoint?.Port == address.Port);

    public Uri ManagementAddress => new(Management.Urls.First());

    /// <summary>Reads and validates the configuration; throws <see cref="ConfigurationException"/> listing every error.</summary>
    public static EdgeCacheHost Build(CommandLine commandLine, Action<IServiceCollection>? configureServices = null, string? contentRoot = null)
    {
        if (commandLine.Errors.Count > 0)
        {
            throw new ConfigurationException(commandLine.Errors);
        }
        var settings = SettingsLocation.Find(commandLine, contentRoot);
        if (settings.Errors.Count > 0)
        {
            throw new ConfigurationException(settings.Errors);
        }
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = commandLine.ConfigurationArgs,
            ContentRootPath = settings.ContentRoot,
        });
        var files = settings.UseCheckedFiles(builder.Configuration);
        // ASP.NET Core added the command line without EdgeCache's switches; added again with them, last, it
        // still outranks appsettings.json and environment variables as the command line always does.
        commandLine.AddTo(builder.Configuration);
        var configuration = builder.Configuration;
        var errors = files.Select(f => f.LoadError).OfType<string>().ToList();
        errors.AddRange(ConfigValidator.Validate(configuration));
        var templatesPath = settings.TemplatesPath(configuration[$"{DegradedOptions.Section}:{nameof(DegradedOptions.TemplatesPath)}"]);
        if (commandLine.ValidateOnly)
        {
            // Every template's every error in the same list. A normal start compiles them in the
            // background instead (TemplateSet), so compiling never holds up the first request.
            errors.AddRange(TemplateCompiler.Compile(templatesPath).Errors.Select(e => e.ToString()));
        }
        if (errors.Count > 0)
        {
            throw new ConfigurationException(errors);
        }
        var options = configuration.GetSection(EdgeCacheOptions.Section).Get<EdgeCacheOptions>() ?? new EdgeCacheOptions();
        var degraded = configuration.GetSection(DegradedOptions.Section).Get<DegradedOptions>() ?? new DegradedOptions();

        // An origin's header bytes outside ASCII (X-Name: café, in UTF-8 or Latin-1) reach readers as
        // they arrived: HttpClient decodes each byte as one Latin-1 char (ClusterDefaults says so for
        // every cluster), and Kestrel, which refuses non-ASCII values by default (a 500 for every
        // reader of such an entry), writes each char back as that byte. YARP's own advice for proxies.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ResponseHeaderEncodingSelector = static _ => Encoding.Latin1);
        // The Kestrel:Endpoints that speak only cleartext HTTP/2 (h2c): not the address warming uses.
        var priorKnowledgeOnly = new System.Collections.Concurrent.ConcurrentBag<ListenOptions>();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            foreach (var endpoint in configuration.GetSection("Kestrel:Endpoints").GetChildren())
            {
                kestrel.ConfigurationLoader?.Endpoint(endpoint.Key, configured =>
                {
                    if (!configured.IsHttps && configured.ListenOptions.Protocols == HttpProtocols.Http2)
                    {
                        priorKnowledgeOnly.Add(configured.ListenOptions);
                    }
                });
            }
        });

        var services = builder.Services;
        if (!NamedAtInformation(configuration, RequestLogCategory))
        {
            // ASP.NET Core's "Request starting/finished" lines would be a second and third line per
            // request beside the access log. And while its request logger is enabled at any level, it
            // starts an Activity and a log scope for every request (measured: a visible share of a
            // hit's CPU), though its lines are filtered out anyway.
            builder.Logging.AddFilter(RequestLogCategory, LogLevel.None);
        }
        foreach (var category in PerRequestCategories.Where(category => !NamedAtInformation(configuration, category)))
        {
            // Their other lines per request ("Executing endpoint", "Proxying to"): the access log says
            // it in one; their warnings and errors stay.
            builder.Logging.AddFilter(category, LogLevel.Warning);
        }
        // YARP logs every failed probe as a warning with its stack trace; LiveOriginHealthPolicy logs the reason once instead.
        builder.Logging.AddFilter("Yarp.ReverseProxy.Health.ActiveHealthCheckMonitor", LogLevel.Error);
        services.TryAddSingleton(TimeProvider.System);
        // In the order a request meets them.
        services.AddAccessLog(configuration);
        services.AddOriginProtection(configuration, out var clientRateLimit);
        services.AddEdgeCaching(configuration, builder.Environment.ContentRootPath);
        services.AddOriginHealth(options);
        services.AddDegradedMode(configuration, templatesPath);
        services.AddOutageCoverage(configuration);
        services.AddWarming(configuration);
        services.AddEdgeCacheAdmin(configuration);
        services.AddEdgeCacheMetrics();

        var proxyConfig = string.IsNullOrWhiteSpace(options.Origin)
            ? configuration.GetSection("ReverseProxy")
            : OriginShortcut.Build(options);
        services.AddReverseProxy().LoadFromConfig(proxyConfig).AddTransforms<OriginRequestTransformProvider>().AddTransforms<OriginResponseTransformProvider>();
        configureServices?.Invoke(services);

        var proxy = builder.Build();
        // YARP's own checks (route patterns, transforms, ...) with the proxy's own validator, before
        // YARP meets the section: refused at start it is an unhandled exception, not a list.
        var proxyErrors = ProxyConfigCheck.Validate(proxyConfig, proxy.Services);
        if (proxyErrors.Count > 0)
        {
            ((IDisposable)proxy).Dispose();
            throw new ConfigurationException(proxyErrors);
        }
        // Outermost, so every answer of the public listener, refusals included, gets its one line.
        proxy.UseMiddleware<AccessLogMiddleware>();
        // Malformed requests end here, and the request is shaped as it will be keyed and forwarded.
        proxy.UseMiddleware<RequestGuardMiddleware>();
        if (clientRateLimit)
        {
            proxy.UseRateLimiter();
        }
        // Fresh hits in the memory tier are answered before routing; everything else is routed.
        proxy.UseMiddleware<EdgeCacheMiddleware>();
        proxy.UseRouting();
        proxy.MapMethods(degraded.StatusPath, [HttpMethods.Get, HttpMethods.Head], (HttpContext context, StatusPage status) => status.WriteAsync(context));
        proxy.MapReverseProxy(pipeline =>
        {
            pipeline.UseSessionAffinity();
            pipeline.UseLoadBalancing();
            pipeline.UseMiddleware<ProxyCacheMiddleware>();
            pipeline.UsePassiveHealthChecks();
        });
        // No route took it (a host no site is configured for): EdgeCache's 404, not routing's empty one.
        proxy.MapFallback("{**path}", (HttpContext context, ILogger<RequestGuardMiddleware> logger) => RequestGuardMiddleware.UnknownSiteAsync(context, logger));

        // From now on a changed appsettings.json is checked the same way before it is applied.
        var configLog = proxy.Services.GetRequiredService<ILoggerFactory>().CreateLogger("EdgeCache.Configuration");
        foreach (var file in files)
        {
            file.Logger = configLog;
            file.ReadAtStart = ReadAtStart;
            file.Check = (changed, data) => CheckChange(configuration, changed, data, usesProxySection: string.IsNullOrWhiteSpace(options.Origin), proxy.Services);
        }

        var demo = commandLine.DemoOrigin ? new DemoOrigin(DemoOrigin.DefaultUrl) : null;
        var management = BuildManagement(options, builder.Environment.ContentRootPath, proxy);
        return new EdgeCacheHost(proxy, management, demo, priorKnowledgeOnly);
    }

    /// <summary>
    /// Every problem of the configuration a changed file would make: that file's new keys in its
    /// place among the others (environment variables and the command line still outrank it),
    /// checked as at start-up.
    /// </summary>
    private static IReadOnlyList<string> CheckChange(IConfigurationRoot configuration, CheckedJsonFile changed, IDictionary<string, string?> data,
        bool usesProxySection, IServiceProvider services)
    {
        var candidate = new ConfigurationBuilder();
        foreach (var provider in configuration.Providers)
        {
            candidate.AddInMemoryCollection(ReferenceEquals(provider, changed.Current) ? data : Flatten(provider, null).ToList());
        }
        var next = candidate.Build();
        var errors = ConfigValidator.Validate(next, usesProxySection);
        return errors.Count == 0 && usesProxySection ? ProxyConfigCheck.Validate(next.GetSection("ReverseProxy"), services) : errors;
    }

    /// <summary>The settings read once at start (README, "What reloads"): a changed value waits for a restart.</summary>
    private static readonly string[] StartOnlyKeys =
    [
        "Urls", "EdgeCache:ManagementUrls", "EdgeCache:Origin", "EdgeCache:BackupOrigin", "EdgeCache:HealthPath",
        "EdgeCache:HealthInterval", "EdgeCache:HealthTimeout", "EdgeCache:OriginTimeout", "EdgeCache:Storage",
        "EdgeCache:Degraded:StatusPath", "EdgeCache:Degraded:TemplatesPath",
        "EdgeCache:OriginProtection:ClientRequestsPerSecond", "EdgeCache:OriginProtection:ClientBurst",
    ];

    private static bool ReadAtStart(string key) =>
        StartOnlyKeys.Any(k => key.Equals(k, StringComparison.OrdinalIgnoreCase) || key.StartsWith(k + ":", StringComparison.OrdinalIgnoreCase));

    private static IEnumerable<KeyValuePair<string, string?>> Flatten(IConfigurationProvider provider, string? parent)
    {
        foreach (var key in provider.GetChildKeys([], parent).Distinct(StringComparer.OrdinalIgnoreCase))
        {
            var path = parent is null ? key : ConfigurationPath.Combine(parent, key);
            if (provider.TryGet(path, out var value))
            {
                yield return new(path, value);
            }
            foreach (var child in Flatten(provider, path))
            {
                yield return child;
            }
        }
    }

    private const string RequestLogCategory = "Microsoft.AspNetCore.Hosting.Diagnostics";

    /// <summary>Categories that write Information lines for every request, beside ASP.NET Core's request lines.</summary>
    private static readonly string[] PerRequestCategories =
        ["Microsoft.AspNetCore.Routing.EndpointMiddleware", "Yarp.ReverseProxy.Forwarder.HttpForwarder"];

    /// <summary>
    /// Whether ASP.NET Core's request lines are asked for by name (<c>Logging:LogLevel</c> of their own
    /// category at Information or lower). A wider level (<c>Default</c>, <c>Microsoft.AspNetCore</c>)
    /// does not bring them: a request's line is the access log's, one per request.
    /// </summary>
    internal static bool RequestLogWanted(IConfiguration configuration) => NamedAtInformation(configuration, RequestLogCategory);

    private static bool NamedAtInformation(IConfiguration configuration, string category) =>
        Enum.TryParse<LogLevel>(configuration[$"Logging:LogLevel:{category}"], ignoreCase: true, out var level) && level <= LogLevel.Information;

    private static WebApplication BuildManagement(EdgeCacheOptions options, string contentRoot, WebApplication proxy)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = contentRoot, Args = [] });
        // Its settings are EdgeCache's (ManagementUrls); the settings file is the proxy's, and its
        // Kestrel endpoints, say, must not open twice.
        foreach (var file in builder.Configuration.Sources.OfType<Microsoft.Extensions.Configuration.Json.JsonConfigurationSource>().ToList())
        {
            builder.Configuration.Sources.Remove(file);
        }
        builder.WebHost.UseUrls(options.ManagementUrls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        // Nor the public listener's Kestrel section from environment variables (Kestrel__Endpoints__...):
        // the management listener is ManagementUrls alone.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Configure(new ConfigurationBuilder().Build(), reloadOnChange: false));
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(proxy.Services.GetRequiredService<ILoggerFactory>());
        var app = builder.Build();
        app.MapGet("/healthz", () => Results.Json(new { status = "ok" }));
        var status = proxy.Services.GetRequiredService<StatusPage>();
        app.MapMethods("/status", [HttpMethods.Get, HttpMethods.Head], (HttpContext context) => status.WriteAsync(context, everySite: true));
        var registry = proxy.Services.GetRequiredService<CollectorRegistry>();
        app.MapMetrics(settings => settings.Registry = registry);
        AdminEndpoints.Map(app, proxy.Services);
        return app;
    }

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (Demo is not null)
        {
            await Demo.StartAsync(cancellationToken);
        }
        // Resolve the store now so the disk index scan starts with the process, not with the first
        // request, and other nodes' purges are heard from the start.
        Proxy.Services.GetRequiredService<TieredStore>();
        // The metrics count from the start, not from the first scrape.
        Proxy.Services.GetRequiredService<EdgeCacheMetrics>();
        Proxy.Services.GetRequiredService<MeterBridge>();
        Proxy.Services.GetRequiredService<ProcessMetrics>();
        // The templates compile on their own thread from now on; until they are ready, error and
        // status pages are the built-in ones.
        Proxy.Services.GetRequiredService<TemplateSet>();
        await Proxy.StartAsync(cancellationToken);
        Proxy.Services.GetRequiredService<PublicAddress>().Set(ProxyAddress);
        await Management.StartAsync(cancellationToken);
    }

    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        await Management.StopAsync(cancellationToken);
        await Proxy.StopAsync(cancellationToken);
        if (Demo is not null)
        {
            await Demo.StopAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Management.DisposeAsync();
        await Proxy.DisposeAsync();
        if (Demo is not null)
        {
            await Demo.DisposeAsync();
        }
    }
}
