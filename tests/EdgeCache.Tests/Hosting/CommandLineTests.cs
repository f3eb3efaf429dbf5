using EdgeCache.Hosting;
using Microsoft.Extensions.Configuration;

namespace EdgeCache.Tests.Hosting;

public sealed class CommandLineTests
{
    private static IConfigurationRoot Configuration(CommandLine commandLine) => commandLine.AddTo(new ConfigurationBuilder()).Build();

    [Fact]
    public void Parse_Shortcuts_BecomeConfigurationKeys()
    {
        var cl = CommandLine.Parse(["--origin", "http://o:1", "--cache-dir=/tmp/c", "--management-urls", "http://127.0.0.1:1", "--urls", "http://127.0.0.1:2",
            "--backup-origin", "http://b:1", "--health-path", "/health", "--REDIS", "127.0.0.1:6379,password=x"]);

        var configuration = Configuration(cl);

        Assert.Empty(cl.Errors);
        Assert.Equal("http://o:1", configuration["EdgeCache:Origin"]);
        Assert.Equal("/tmp/c", configuration["EdgeCache:Storage:Disk:Path"]);
        Assert.Equal("http://127.0.0.1:1", configuration["EdgeCache:ManagementUrls"]);
        Assert.Equal("http://b:1", configuration["EdgeCache:BackupOrigin"]);
        Assert.Equal("/health", configuration["EdgeCache:HealthPath"]);
        Assert.Equal("127.0.0.1:6379,password=x", configuration["EdgeCache:Storage:Redis:Configuration"]);
        Assert.Equal("http://127.0.0.1:2", configuration["urls"]);
    }

    [Fact]
    public void Parse_OtherArguments_ReadAsConfigurationAsTheyAre()
    {
        var cl = CommandLine.Parse(["--EdgeCache:Cache:MaxObjectBytes=1024", "--Logging:LogLevel:Default", "Warning", "--urls=http://127.0.0.1:2"]);

        var configuration = Configuration(cl);

        Assert.Equal(["--EdgeCache:Cache:MaxObjectBytes=1024", "--Logging:LogLevel:Default", "Warning", "--urls=http://127.0.0.1:2"], cl.ConfigurationArgs);
        Assert.Equal("1024", configuration["EdgeCache:Cache:MaxObjectBytes"]);
        Assert.Equal("Warning", configuration["Logging:LogLevel:Default"]);
        Assert.Equal("http://127.0.0.1:2", configuration["urls"]);
    }

    [Fact]
    public void Parse_Flags_Recognised()
    {
        var cl = CommandLine.Parse(["--validate-config", "--demo-origin"]);

        Assert.True(cl.ValidateOnly);
        Assert.True(cl.DemoOrigin);
        Assert.Empty(cl.ConfigurationArgs);
    }

    [Fact]
    public void Parse_FlagsAmongSwitches_TakeNoValueAndLeaveTheSwitchesTheirs()
    {
        var cl = CommandLine.Parse(["--demo-origin", "--origin", "http://o:1", "--validate-config", "--cache-dir", "/var/cache/edgecache"]);

        var configuration = Configuration(cl);

        Assert.True(cl.ValidateOnly && cl.DemoOrigin);
        Assert.Equal("http://o:1", configuration["EdgeCache:Origin"]);
        Assert.Equal("/var/cache/edgecache", configuration["EdgeCache:Storage:Disk:Path"]);
        Assert.Null(configuration["demo-origin"]);
        Assert.Null(configuration["validate-config"]);
    }

    [Fact]
    public void Parse_ShortcutWithoutValue_Error() =>
        Assert.StartsWith("--origin: needs a value", Assert.Single(CommandLine.Parse(["--origin", "--validate-config"]).Errors));

    [Theory]
    [InlineData("--cache-dir")]
    [InlineData("--redis=")]
    public void Parse_ShortcutLastOrEmpty_Error(string arg) =>
        Assert.Contains("needs a value", Assert.Single(CommandLine.Parse(["--urls", "http://127.0.0.1:2", arg]).Errors));

    [Theory]
    [InlineData("--orgin", "--origin")]
    [InlineData("--cahce-dir", "--cache-dir")]
    [InlineData("--URL", "--urls")]
    [InlineData("--validate", "--validate-config")]
    public void UnknownSwitch_RefusedWithTheNearestKnownOne(string misspelt, string suggested)
    {
        var cl = CommandLine.Parse([misspelt, "value", "--urls", "http://127.0.0.1:2"]);

        var error = Assert.Single(cl.Errors);
        Assert.StartsWith($"{misspelt}: unknown switch", error);
        Assert.Contains($"did you mean {suggested}?", error);
        Assert.Equal(["--urls", "http://127.0.0.1:2"], cl.ConfigurationArgs); // its value is not taken as an argument
    }

    [Fact]
    public void UnknownSwitchFarFromAnyKnownOne_RefusedWithoutASuggestion() =>
        Assert.DoesNotContain("did you mean", Assert.Single(CommandLine.Parse(["--frobnicate"]).Errors));

    [Theory]
    [InlineData("--EdgeCache:Cache:MaxObjectBytes=1024")]
    [InlineData("--environment=Staging")]
    [InlineData("--contentRoot=/srv/edge")]
    public void ConfigurationKeysAndHostSwitches_NotRefused(string arg) => Assert.Empty(CommandLine.Parse([arg]).Errors);

    [Theory]
    [InlineData("--help", true, false)]
    [InlineData("-h", true, false)]
    [InlineData("--version", false, true)]
    public void HelpAndVersion_Recognised(string arg, bool help, bool version)
    {
        var cl = CommandLine.Parse([arg]);

        Assert.Equal((help, version), (cl.ShowHelp, cl.ShowVersion));
        Assert.Empty(cl.ConfigurationArgs);
    }
}
