using System.Text.RegularExpressions;
using EdgeCache.Hosting;
using EdgeCache.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace EdgeCache.Tests.Hosting;

/// <summary>
/// The README's "Running it in front of your own site", as a new user follows it: the settings file
/// it shows, the published build run from another folder, and the systemd unit.
/// </summary>
public sealed partial class OwnSiteRecipeTests
{
    private static readonly string Repository = CommandLine.FindContentRoot(AppContext.BaseDirectory);
    private static readonly string Readme = File.ReadAllText(Path.Combine(Repository, "README.md"));

    private static string Section => Readme[Readme.IndexOf("## Running it in front of your own site", StringComparison.Ordinal)..]
        .Split("\n## ", 2)[0];

    private static string SiteSettings => SettingsBlock().Match(Section) is { Success: true } match
        ? match.Groups[1].Value
        : throw new InvalidOperationException("the README shows no appsettings.json for your own site");

    [Fact]
    public async Task ReadmeSiteSettings_FromTheirOwnFolder_CacheThePublishersPages()
    {
        await using var origin = await TestOrigin.StartAsync();
        origin.Respond(context => context.Response.WriteAsync("article from your site"));
        var site = TempDirectory.Create("edgecache-mysite");
        var file = Path.Combine(site, "appsettings.json");
        // Verbatim but for the addresses: the test's origin, and free ports.
        await File.WriteAllTextAsync(file, SiteSettings
            .Replace("http://127.0.0.1:9100/", origin.Address.ToString(), StringComparison.Ordinal)
            .Replace("127.0.0.1:8080", "127.0.0.1:0", StringComparison.Ordinal)
            .Replace("127.0.0.1:9091", "127.0.0.1:0", StringComparison.Ordinal));
        Assert.Contains("fwd=miss; stored; ttl=299", Section); // what the README says the first request shows

        await using var proxy = await TestProxy.StartAsync(null, services: null, extraArgs: ["--config", file]);
        using var first = await proxy.Client.GetAsync("/articles/1");
        using var second = await proxy.Client.GetAsync("/articles/1");

        Assert.Equal("article from your site", await first.Content.ReadAsStringAsync());
        var status = string.Join(", ", first.Headers.GetValues("Cache-Status"));
        Assert.StartsWith("EdgeCache; fwd=miss; stored; ttl=", status);
        Assert.InRange(int.Parse(status[(status.LastIndexOf('=') + 1)..]), 290, 300); // the rule's five minutes, less the origin's Date skew
        Assert.StartsWith("EdgeCache; hit", string.Join(", ", second.Headers.GetValues("Cache-Status")));
        Assert.Equal(1, origin.RequestCount);
    }

    [Fact]
    public async Task PublishedBuild_RunFromAnotherFolderWithConfig_FindsSettingsAndShippedTemplates()
    {
        var output = TempDirectory.Create("edgecache-publish");
        var publish = await ProcessRunner.RunAsync("dotnet",
            ["publish", Path.Combine(Repository, "src", "EdgeCache"), "-c", "Release", "--no-build", "-o", output], workingDirectory: Repository);
        Assert.True(publish.ExitCode == 0, publish.Output + publish.Error);
        Assert.True(File.Exists(Path.Combine(output, "templates", "layout.cshtml")), "the publish carries the templates");
        var etc = TempDirectory.Create("edgecache-etc");
        await File.WriteAllTextAsync(Path.Combine(etc, "appsettings.json"), SiteSettings);

        // As the README's unit runs it: another working folder, --config, --cache-dir, --validate-config.
        var check = await ProcessRunner.RunAsync("dotnet",
            [Path.Combine(output, "EdgeCache.dll"), "--config", Path.Combine(etc, "appsettings.json"), "--cache-dir", Path.Combine(etc, "cache"), "--validate-config"],
            workingDirectory: TempDirectory.Create("edgecache-cwd"));

        // Valid, with every shipped template compiled from the publish folder (etc has none).
        Assert.True(check.ExitCode == 0, check.Output + check.Error);
        Assert.Contains("Configuration is valid", check.Output);
    }

    [Fact]
    public async Task ReadmeServiceUnit_PassesSystemdVerify()
    {
        var unit = UnitBlock().Match(Section) is { Success: true } match
            ? match.Groups[1].Value
            : throw new InvalidOperationException("the README shows no systemd unit");
        var file = Path.Combine(TempDirectory.Create("edgecache-unit"), "edgecache.service");
        await File.WriteAllTextAsync(file, unit);

        var verify = await ProcessRunner.RunAsync("systemd-analyze", ["verify", file], workingDirectory: Path.GetDirectoryName(file)!);

        Assert.True(verify.ExitCode == 0, verify.Error);
        Assert.True(verify.Error.Trim().Length == 0, $"systemd warns about the unit: {verify.Error}");
        Assert.Contains("--config /etc/edgecache/appsettings.json", unit);
    }

    [GeneratedRegex(@"cat > ~/mysite/appsettings\.json <<'EOF'\n(.*?)\nEOF\n", RegexOptions.Singleline)]
    private static partial Regex SettingsBlock();

    [GeneratedRegex(@"```ini\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex UnitBlock();
}
