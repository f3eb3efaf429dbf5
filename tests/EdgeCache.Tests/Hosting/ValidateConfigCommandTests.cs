using EdgeCache.Tests.Infrastructure;

namespace EdgeCache.Tests.Hosting;

/// <summary>The real EdgeCache executable, run as an operator would run it.</summary>
public sealed class ValidateConfigCommandTests
{
    private static async Task<(int ExitCode, string Output, string Error)> RunAsync(string workingDirectory, params string[] args)
    {
        var result = await ProcessRunner.RunAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "EdgeCache.dll"), .. args],
            workingDirectory: workingDirectory);
        return (result.ExitCode, result.Output, result.Error);
    }

    [Fact]
    public async Task ValidateConfig_BadAppSettings_ListsEveryErrorAndExitsNonZero()
    {
        var dir = TempDirectory.Create("edgecache-validate");
        await File.WriteAllTextAsync(Path.Combine(dir, "appsettings.json"), """
            { "EdgeCache": { "Origin": "http://127.0.0.1:9100",
                             "Cache": { "MaxObjectBytes": "big" },
                             "Rules": [ { "Paths": [ "/news/*" ], "Ttl": "5 minutes" } ] } }
            """);

        var (exitCode, _, error) = await RunAsync(dir, "--validate-config");

        Assert.Equal(1, exitCode);
        Assert.Contains("EdgeCache:Cache:MaxObjectBytes: \"big\"", error);
        Assert.Contains("EdgeCache:Rules:0:Ttl: \"5 minutes\" is not a duration", error);
        Assert.DoesNotContain("   at ", error); // a list of problems, not a stack trace
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    public async Task Help_EverySwitchAndWhereTheReferenceIs_ExitZero(string flag)
    {
        var (exitCode, output, _) = await RunAsync(TempDirectory.Create("edgecache-help"), flag);

        Assert.Equal(0, exitCode);
        foreach (var name in EdgeCache.Hosting.CommandLine.Switches.Keys.Concat(["--urls", "--validate-config", "--demo-origin", "--version"]))
        {
            Assert.Contains(name, output);
        }
        Assert.Contains("Configuration reference", output);
    }

    [Fact]
    public async Task Version_PrintsTheBuildsVersion_ExitZero()
    {
        var (exitCode, output, _) = await RunAsync(TempDirectory.Create("edgecache-version"), "--version");

        Assert.Equal(0, exitCode);
        Assert.StartsWith("EdgeCache ", output);
        Assert.Contains(typeof(EdgeCache.Hosting.CommandLine).Assembly.GetName().Version!.ToString(3), output);
    }

    [Fact]
    public async Task MisspeltSwitch_RefusedWithASuggestion_NeverStartsOnAnotherConfiguration()
    {
        var dir = TempDirectory.Create("edgecache-misspelt");
        await File.WriteAllTextAsync(Path.Combine(dir, "appsettings.json"), """{ "EdgeCache": { "Origin": "http://127.0.0.1:9100" } }""");

        var (exitCode, output, error) = await RunAsync(dir, "--orgin", "http://127.0.0.1:9200", "--urls", "http://127.0.0.1:0");

        Assert.Equal(1, exitCode);
        Assert.Contains("--orgin: unknown switch; did you mean --origin?", error);
        Assert.DoesNotContain("EdgeCache proxy on", output);
    }

    [Fact]
    public async Task PortInUse_OneLineSayingWhichAndWhat_Exit1()
    {
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        var port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;
        var dir = TempDirectory.Create("edgecache-port");

        var (exitCode, _, error) = await RunAsync(dir, "--origin", "http://127.0.0.1:9", "--urls", $"http://127.0.0.1:{port}",
            "--management-urls", "http://127.0.0.1:0", "--cache-dir", Path.Combine(dir, "cache"));

        Assert.Equal(1, exitCode); // was an unhandled exception, exit 134
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"EdgeCache cannot start: Failed to bind to address http://127.0.0.1:{port}: address already in use", line);
        Assert.Contains("choose another port", line);
    }

    [Fact]
    public async Task HttpsWithoutCertificate_OneLineNamingTheSetting_Exit1()
    {
        var dir = TempDirectory.Create("edgecache-tls");

        var (exitCode, _, error) = await RunAsync(dir, "--origin", "http://127.0.0.1:9", "--urls", "https://127.0.0.1:0",
            "--management-urls", "http://127.0.0.1:0", "--cache-dir", Path.Combine(dir, "cache"));

        Assert.Equal(1, exitCode);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("Kestrel:Certificates:Default:Path", line);
    }

    [Fact]
    public async Task ValidateConfig_ReverseProxyAndEdgeCacheMistakes_EveryOneInOneRun()
    {
        var dir = TempDirectory.Create("edgecache-proxy-section");
        await File.WriteAllTextAsync(Path.Combine(dir, "appsettings.json"), """
            { "EdgeCache": { "Cache": { "MaxObjectBytes": "big" }, "Rules": [ { "Paths": [ "news/*" ] } ] },
              "ReverseProxy": {
                "Routes": { "site": { "ClusterId": "sitee", "Match": { "Pathh": "{**catch-all}" } } },
                "Clusters": { "site": { "LoadBalancingPolicy": "RoundRobbin",
                                        "HealthCheck": { "Active": { "Interval": "2s" } },
                                        "Destinations": { "d1": { "Address": "http://127.0.0.1:9100/" } } } } } }
            """);

        var (exitCode, _, error) = await RunAsync(dir, "--validate-config");

        // Was: the type error alone, then the rule only once it was fixed, then an unhandled exception (exit 134).
        Assert.Equal(1, exitCode);
        Assert.Contains("EdgeCache:Cache:MaxObjectBytes: \"big\" is not a whole number", error);
        Assert.Contains("EdgeCache:Rules:0:Paths: \"news/*\" does not start with '/'", error);
        Assert.Contains("ReverseProxy:Routes:site:Match:Pathh: unknown setting; did you mean Path?", error);
        Assert.Contains("ReverseProxy:Routes:site:ClusterId: \"sitee\" is not a cluster", error);
        Assert.Contains("ReverseProxy:Clusters:site:LoadBalancingPolicy: \"RoundRobbin\" is not a policy; did you mean RoundRobin?", error);
        Assert.Contains("ReverseProxy:Clusters:site:HealthCheck:Active:Interval: \"2s\" is not a duration", error);
        Assert.DoesNotContain("   at ", error);
    }

    [Fact]
    public async Task Start_RouteYarpRefuses_ListedExit1_NotAnUnhandledException()
    {
        var dir = TempDirectory.Create("edgecache-route");
        await File.WriteAllTextAsync(Path.Combine(dir, "appsettings.json"), """
            { "ReverseProxy": {
                "Routes": { "site": { "ClusterId": "site", "Match": { "Path": "/{**rest", "Methods": [ "GETT" ] } } },
                "Clusters": { "site": { "Destinations": { "d1": { "Address": "http://127.0.0.1:9/" } } } } } }
            """);

        var (exitCode, output, error) = await RunAsync(dir, "--urls", "http://127.0.0.1:0", "--management-urls", "http://127.0.0.1:0");

        Assert.Equal(1, exitCode); // was 134
        Assert.Contains("ReverseProxy:Routes:site: Invalid path '/{**rest'", error);
        Assert.Contains("ReverseProxy:Routes:site: Unsupported HTTP method 'GETT'", error);
        Assert.DoesNotContain("   at ", error);
        Assert.DoesNotContain("EdgeCache proxy on", output);
    }

    [Fact]
    public async Task ConfigSwitch_ReadsTheNamedFile_FromAnyFolder()
    {
        var site = TempDirectory.Create("edgecache-site");
        var elsewhere = TempDirectory.Create("edgecache-cwd");
        await File.WriteAllTextAsync(Path.Combine(elsewhere, "appsettings.json"), """{ "EdgeCache": { "Origin": "http://127.0.0.1:9100" } }""");
        var file = Path.Combine(site, "site.json");
        await File.WriteAllTextAsync(file, """{ "EdgeCache": { "Origin": "http://127.0.0.1:9100", "Cache": { "MaxObjectBytes": "big" } } }""");

        var (exitCode, _, error) = await RunAsync(elsewhere, "--config", file, "--validate-config");

        Assert.Equal(1, exitCode); // the named file, not the current folder's valid one
        Assert.Contains("EdgeCache:Cache:MaxObjectBytes: \"big\"", error);

        await File.WriteAllTextAsync(file, """{ "EdgeCache": { "Origin": "http://127.0.0.1:9100" } }""");
        var (valid, output, _) = await RunAsync(elsewhere, "--config", file, "--validate-config");
        Assert.Equal(0, valid);
        Assert.Contains("Configuration is valid", output);
        Assert.True(Directory.Exists(Path.Combine(site, "cache")), "relative paths in the file are relative to its folder");
        Assert.False(Directory.Exists(Path.Combine(elsewhere, "cache")));
    }

    [Fact]
    public async Task ConfigSwitch_MissingFile_SaysSo_Exit1()
    {
        var dir = TempDirectory.Create("edgecache-missing");

        var (exitCode, _, error) = await RunAsync(dir, "--config", "nowhere/appsettings.json", "--validate-config");

        Assert.Equal(1, exitCode);
        Assert.Contains("--config nowhere/appsettings.json: no such file", error);
    }

    [Fact]
    public async Task ContentRootSwitch_Honoured()
    {
        var root = TempDirectory.Create("edgecache-root");
        await File.WriteAllTextAsync(Path.Combine(root, "appsettings.json"), """{ "EdgeCache": { "Origin": "not a url" } }""");

        var (exitCode, _, error) = await RunAsync(TempDirectory.Create("edgecache-cwd"), "--contentRoot", root, "--validate-config");

        Assert.Equal(1, exitCode); // was silently ignored: the current folder's (absent) settings were used
        Assert.Contains("EdgeCache:Origin: \"not a url\"", error);
    }

    private static async Task<string> ConfigWithTemplates(params (string Name, string Text)[] templates)
    {
        var dir = TempDirectory.Create("edgecache-validate");
        await File.WriteAllTextAsync(Path.Combine(dir, "appsettings.json"), """{ "EdgeCache": { "Origin": "http://127.0.0.1:9100" } }""");
        foreach (var file in Directory.EnumerateFiles(TestProxy.RepositoryTemplates, "*.cshtml", SearchOption.AllDirectories))
        {
            var target = Path.Combine(dir, "templates", Path.GetRelativePath(TestProxy.RepositoryTemplates, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        foreach (var (name, text) in templates)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(dir, "templates", name))!);
            await File.WriteAllTextAsync(Path.Combine(dir, "templates", name), text);
        }
        return dir;
    }

    [Theory]
    [InlineData("layout.cshtml")]
    [InlineData("sites/www.example.com/layout.cshtml")]
    public async Task ValidateConfig_LayoutWithoutRenderBody_Reported(string file)
    {
        var dir = await ConfigWithTemplates((file, """
            @model PageModel
            <!doctype html><html><body><main>@* @RenderBody() belongs here *@</main></body></html>
            """));

        var (exitCode, _, error) = await RunAsync(dir, "--validate-config");

        // Such a layout once passed and turned every error page into an empty card.
        Assert.Equal(1, exitCode);
        Assert.Contains($"templates/{file}:1: a layout must call @RenderBody()", error);
    }

    [Fact]
    public async Task ValidateConfig_MisspeltModelProperty_ReportedWithFileAndLine()
    {
        var dir = await ConfigWithTemplates(("errors/503.cshtml", """
            @model ErrorPageModel
            <h1>We'll be right back</h1>
            <p>@Model.Mesage</p>
            """));

        var (exitCode, _, error) = await RunAsync(dir, "--validate-config");

        Assert.Equal(1, exitCode);
        Assert.Contains("templates/errors/503.cshtml:3: 'ErrorPageModel' does not contain a definition for 'Mesage'", error);
        Assert.DoesNotContain("   at ", error);
    }

    [Fact]
    public async Task ValidateConfig_RazorSyntaxError_ReportedWithFileAndLine()
    {
        var dir = await ConfigWithTemplates(("status.cshtml", """
            @model StatusPageModel
            <span class="code">Service status</span>
            @if (Model.Degraded)
            {
            <h1>Some origins are down</h1>
            """));

        var (exitCode, _, error) = await RunAsync(dir, "--validate-config");

        Assert.Equal(1, exitCode);
        Assert.Contains("templates/status.cshtml:3: ", error);
        Assert.Contains("missing a closing \"}\"", error);
    }

    [Fact]
    public async Task ValidateConfig_SeveralBrokenTemplatesAndBadSettings_EveryErrorInOneRun()
    {
        var dir = await ConfigWithTemplates(
            ("errors/502.cshtml", "@model ErrorPageModel\n<p>@Model.RetryAftr</p>\n"),
            ("errors/default.cshtml", "<p>no model</p>\n"),
            ("status.cshtml", "@model StatusPageModel\n\n@foreach (var site in Model.Sites) {\n"),
            ("banner.cshtml", "@model BannerModel\n<div>@Model.AgeText</div>\n<div>@Model.Age</div>\n"));

        var (exitCode, _, error) = await RunAsync(dir, "--validate-config", "--EdgeCache:Cache:MaxObjectBytes=big");

        Assert.Equal(1, exitCode);
        Assert.Contains("EdgeCache:Cache:MaxObjectBytes: \"big\"", error);
        Assert.Contains("templates/errors/502.cshtml:2: ", error);
        Assert.Contains("templates/errors/default.cshtml:1: no @model", error);
        Assert.Contains("templates/status.cshtml:3: ", error);
        Assert.Contains("templates/banner.cshtml:3: ", error);
    }

    [Fact]
    public async Task ValidateConfig_RepositoryTemplates_Valid()
    {
        var dir = await ConfigWithTemplates();

        var (exitCode, output, error) = await RunAsync(dir, "--validate-config", "--cache-dir", Path.Combine(dir, "c"));

        Assert.True(exitCode == 0, error);
        Assert.Contains("Configuration is valid", output);
    }

    [Fact]
    public async Task ValidateConfig_GoodConfiguration_ExitsZero()
    {
        var dir = TempDirectory.Create("edgecache-validate");
        await File.WriteAllTextAsync(Path.Combine(dir, "appsettings.json"), """{ "EdgeCache": { "Origin": "http://127.0.0.1:9100" } }""");

        var (exitCode, output, _) = await RunAsync(dir, "--validate-config", "--cache-dir", Path.Combine(dir, "c"));

        Assert.Equal(0, exitCode);
        Assert.Contains("Configuration is valid", output);
    }

    [Fact]
    public async Task Start_BadConfiguration_StopsWithTheListNotAStackTrace()
    {
        var dir = TempDirectory.Create("edgecache-start");

        var (exitCode, _, error) = await RunAsync(dir, "--origin", "not-a-url", "--urls", "http://127.0.0.1:0", "--management-urls", "http://127.0.0.1:0");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("EdgeCache:Origin: \"not-a-url\" is not an absolute http:// or https:// URL", error);
    }
}
