using EdgeCache.Hosting;
using EdgeCache.Tests.Infrastructure;

namespace EdgeCache.Tests.Hosting;

/// <summary>Where the settings file, the content root and the templates are found.</summary>
public sealed class SettingsLocationTests
{
    [Fact]
    public void NoSwitches_CurrentFolderOrNearestAboveWithSettings()
    {
        var site = TempDirectory.Create("edgecache-site");
        File.WriteAllText(Path.Combine(site, "appsettings.json"), "{}");
        var below = Directory.CreateDirectory(Path.Combine(site, "logs", "old")).FullName;

        Assert.Equal(site, CommandLine.FindContentRoot(below));
        Assert.Equal(site, CommandLine.FindContentRoot(site));
    }

    [Fact]
    public void ConfigSwitch_TheFileAndItsFolder()
    {
        var site = TempDirectory.Create("edgecache-site");
        var file = Path.Combine(site, "edge.json");
        File.WriteAllText(file, "{}");

        var location = SettingsLocation.Find(CommandLine.Parse(["--config", file]));

        Assert.Empty(location.Errors);
        Assert.Equal(file, location.SettingsFile);
        Assert.Equal(site, location.ContentRoot);
    }

    [Fact]
    public void ConfigSwitchNamingAFolder_SaysWhatToName()
    {
        var site = TempDirectory.Create("edgecache-site");

        var location = SettingsLocation.Find(CommandLine.Parse(["--config", site]));

        Assert.Contains(location.Errors, e => e.Contains("is a folder; name the settings file", StringComparison.Ordinal));
    }

    [Fact]
    public void SiteFolderWithoutTemplates_TheTemplatesShippedBesideEdgeCache()
    {
        var site = TempDirectory.Create("edgecache-site");
        var location = SettingsLocation.Find(CommandLine.Parse([]), site);

        var path = location.TemplatesPath("templates");

        // Not the built-in fallback design: the shipped templates, with their error pages.
        Assert.Equal(Path.Combine(AppContext.BaseDirectory, "templates"), path);
        Assert.True(File.Exists(Path.Combine(path, "layout.cshtml")));
        Assert.True(File.Exists(Path.Combine(path, "errors", "503.cshtml")));
    }

    [Fact]
    public void SiteFolderWithTemplates_ItsOwn()
    {
        var site = TempDirectory.Create("edgecache-site");
        Directory.CreateDirectory(Path.Combine(site, "templates"));
        var location = SettingsLocation.Find(CommandLine.Parse([]), site);

        Assert.Equal(Path.Combine(site, "templates"), location.TemplatesPath("templates"));
        Assert.Equal(Path.Combine(site, "branding"), location.TemplatesPath("branding")); // named outright: never replaced
    }
}
