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

    [Fact]
    public async Task ValidateConfig_BrokenTemplate_ReportedWithItsPath()
    {
        var dir = TempDirectory.Create("edgecache-validate");
        await File.WriteAllTextAsync(Path.Combine(dir, "appsettings.json"), """{ "EdgeCache": { "Origin": "http://127.0.0.1:9100" } }""");
        Directory.CreateDirectory(Path.Combine(dir, "templates", "errors"));
        await File.WriteAllTextAsync(Path.Combine(dir, "templates", "errors", "503.hbs"), "{{#if status}}never closed");

        var (exitCode, _, error) = await RunAsync(dir, "--validate-config");

        Assert.Equal(1, exitCode);
        Assert.Contains("templates/errors/503.hbs:", error);
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
