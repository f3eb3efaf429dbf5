using System.Net;
using EdgeCache.Diagnostics;
using EdgeCache.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EdgeCache.Tests.Hosting;

/// <summary>
/// A settings file changed while EdgeCache runs: checked as at start, applied only when valid; a
/// bad change is logged with every problem and the previous configuration stays in force.
/// </summary>
public sealed class ConfigReloadTests : IAsyncLifetime
{
    private readonly LogCapture _log = new();
    private readonly string _file = Path.Combine(TempDirectory.Create("edgecache-reload"), "appsettings.json");
    private TestOrigin _origin = null!;

    public async Task InitializeAsync()
    {
        _origin = await TestOrigin.StartAsync();
        _origin.Respond(context => context.Response.WriteAsync("from the origin"));
    }

    public async Task DisposeAsync() => await _origin.DisposeAsync();

    private Task<TestProxy> StartAsync(string settings, bool origin, params string[] args)
    {
        File.WriteAllText(_file, settings);
        return TestProxy.StartAsync(origin ? _origin.Address : null, services => services.AddSingleton<ILoggerProvider>(_log),
            extraArgs: ["--config", _file, "--Logging:LogLevel:EdgeCache.Configuration=Information", .. args]);
    }

    private string Site(string extra = "") => $$"""
        { "ReverseProxy": {
            "Routes": { "site": { "ClusterId": "site", "Match": { "Path": "{**all}" } } },
            "Clusters": { "site": { {{extra}} "Destinations": { "d1": { "Address": "{{_origin.Address}}" } } } } } }
        """;

    private static string NewsRule(string ttl) => $$"""
        { "EdgeCache": { "Rules": [ { "Paths": [ "/news/*" ], "Ttl": "{{ttl}}" } ] } }
        """;

    private static int? Ttl(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Cache-Status", out var values)
        && System.Text.RegularExpressions.Regex.Match(string.Join(",", values), @"ttl=(\d+)") is { Success: true } match
            ? int.Parse(match.Groups[1].Value)
            : null;

    [Fact]
    public async Task RuleTtlNotADuration_RejectedWithItsPath_PreviousRuleStillApplies()
    {
        await using var proxy = await StartAsync(NewsRule("00:05:00"), origin: true);

        await File.WriteAllTextAsync(_file, NewsRule("10 minutes"));
        var rejected = await _log.WaitForAsync(EventIds.ConfigReloadRejected, m => m.Contains("EdgeCache:Rules:0:Ttl: \"10 minutes\" is not a duration"));

        Assert.Equal(LogLevel.Error, rejected.Level);
        Assert.Contains("previous configuration stays in force", rejected.Message);
        using var stored = await proxy.Client.GetAsync("/news/1");
        Assert.InRange(Ttl(stored) ?? 0, 290, 300); // the five minutes still in force, not a rule without its TTL

        await File.WriteAllTextAsync(_file, NewsRule("00:01:00").Replace("\"Rules\"", "\"ManagementUrls\": \"http://127.0.0.1:9\", \"Rules\"", StringComparison.Ordinal));
        var reloaded = await _log.WaitForAsync(EventIds.ConfigReloaded);
        Assert.EndsWith("in force; read at start only, so in force after a restart: EdgeCache:ManagementUrls", reloaded.Message);
        using var next = await proxy.Client.GetAsync("/news/2");
        Assert.InRange(Ttl(next) ?? 0, 50, 60); // a valid change is applied
    }

    [Fact]
    public async Task MisspeltKeyAddedWhileRunning_RejectedWithTheLikelyKey()
    {
        await using var proxy = await StartAsync(NewsRule("00:05:00"), origin: true);

        await File.WriteAllTextAsync(_file, """{ "EdgeCache": { "Rulez": [ { "Paths": [ "/news/*" ], "Ttl": "00:00:10" } ] } }""");

        var rejected = await _log.WaitForAsync(EventIds.ConfigReloadRejected);
        Assert.Contains("EdgeCache:Rulez: unknown setting; did you mean Rules?", rejected.Message);
        using var stored = await proxy.Client.GetAsync("/news/1");
        Assert.InRange(Ttl(stored) ?? 0, 290, 300);
    }

    [Fact]
    public async Task HalfSavedFile_NotValidJson_RoutesStayInForce()
    {
        await using var proxy = await StartAsync(Site(), origin: false);
        using var before = await proxy.Client.GetAsync("/a");
        Assert.Equal("from the origin", await before.Content.ReadAsStringAsync());

        await File.WriteAllTextAsync(_file, """{ "ReverseProxy": { "Routes": { "site": """);

        var rejected = await _log.WaitForAsync(EventIds.ConfigReloadRejected);
        Assert.Contains("not valid JSON", rejected.Message);
        using var after = await proxy.Client.GetAsync("/b");
        Assert.Equal(HttpStatusCode.OK, after.StatusCode); // not an empty configuration: no routes, every host unknown
        Assert.Equal("from the origin", await after.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ProxySectionYarpWouldRefuse_RejectedWithEveryProblem_RoutingUnchanged()
    {
        await using var proxy = await StartAsync(Site(), origin: false);

        await File.WriteAllTextAsync(_file, $$"""
            { "ReverseProxy": {
                "Routes": { "site": { "ClusterId": "site", "Match": { "Path": "/only/{**all" } } },
                "Clusters": { "site": { "LoadBalancingPolicy": "RoundRobbin",
                                        "HealthCheck": { "Active": { "Interval": "2s" } },
                                        "Destinations": { "d1": { "Address": "{{_origin.Address}}" } } } } } }
            """);

        var rejected = await _log.WaitForAsync(EventIds.ConfigReloadRejected);
        Assert.Contains("ReverseProxy:Clusters:site:LoadBalancingPolicy: \"RoundRobbin\" is not a policy; did you mean RoundRobin?", rejected.Message);
        Assert.Contains("ReverseProxy:Clusters:site:HealthCheck:Active:Interval: \"2s\" is not a duration", rejected.Message);
        using var response = await proxy.Client.GetAsync("/anything");
        Assert.Equal("from the origin", await response.Content.ReadAsStringAsync());

        // The same route pattern alone: YARP's own validator refuses it, before YARP applies anything.
        await File.WriteAllTextAsync(_file, Site().Replace("{**all}", "/only/{**all", StringComparison.Ordinal));
        var refused = await _log.WaitForAsync(EventIds.ConfigReloadRejected, m => m.Contains("ReverseProxy:Routes:site: Invalid path"));
        Assert.Contains("/only/{**all", refused.Message);
        using var still = await proxy.Client.GetAsync("/anything-else");
        Assert.Equal("from the origin", await still.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task LogLevelNotALevel_ReaderOfTheChangeThrows_RejectedAndProcessLives()
    {
        await using var proxy = await StartAsync(Site(), origin: false);

        // Nothing in EdgeCache's checks reads Logging; the logger's own options refuse the level when
        // the change is published, and that exception must not escape the file watcher's thread.
        await File.WriteAllTextAsync(_file, Site().Replace("{ \"ReverseProxy\"", "{ \"Logging\": { \"LogLevel\": { \"Microsoft\": \"Verbose\" } }, \"ReverseProxy\"", StringComparison.Ordinal));

        var rejected = await _log.WaitForAsync(EventIds.ConfigReloadRejected);
        Assert.Contains("Verbose", rejected.Message);
        using var response = await proxy.Client.GetAsync("/a");
        Assert.Equal("from the origin", await response.Content.ReadAsStringAsync());

        // The watcher goes on: the next good save is applied.
        await File.WriteAllTextAsync(_file, Site().Replace("{ \"ReverseProxy\"", "{ \"Logging\": { \"LogLevel\": { \"Microsoft\": \"Warning\" } }, \"ReverseProxy\"", StringComparison.Ordinal));
        await _log.WaitForAsync(EventIds.ConfigReloaded);
    }

    [Fact]
    public async Task OriginAddedInPlaceOfTheProxySection_Rejected_RoutesStayInForce()
    {
        await using var proxy = await StartAsync(Site(), origin: false);

        // The running proxy reads ReverseProxy until a restart (Origin is read at start only): a
        // change that drops the section would leave it with no routes at all.
        await File.WriteAllTextAsync(_file, $$"""{ "EdgeCache": { "Origin": "{{_origin.Address}}" } }""");

        var rejected = await _log.WaitForAsync(EventIds.ConfigReloadRejected);
        Assert.Contains("ReverseProxy: no routes or no clusters; the running proxy reads this section until a restart", rejected.Message);
        using var response = await proxy.Client.GetAsync("/a");
        Assert.Equal("from the origin", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task FileValueTheCommandLineOutranks_NotHeldAgainstTheChange()
    {
        await using var proxy = await StartAsync(NewsRule("00:05:00"), origin: true, "--EdgeCache:Cache:HeuristicFraction=0.1");

        // Out of range, but never in force: the command line still outranks the file.
        await File.WriteAllTextAsync(_file, NewsRule("00:01:00").Replace("\"Rules\"", "\"Cache\": { \"HeuristicFraction\": 2 }, \"Rules\"", StringComparison.Ordinal));

        await _log.WaitForAsync(EventIds.ConfigReloaded);
        Assert.DoesNotContain(_log.Entries, e => e.EventId.Id == EventIds.ConfigReloadRejected);
        using var next = await proxy.Client.GetAsync("/news/1");
        Assert.InRange(Ttl(next) ?? 0, 50, 60);
    }
}
