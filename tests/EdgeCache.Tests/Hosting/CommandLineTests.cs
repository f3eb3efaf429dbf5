using EdgeCache.Hosting;

namespace EdgeCache.Tests.Hosting;

public sealed class CommandLineTests
{
    [Fact]
    public void Parse_Shortcuts_BecomeConfigurationKeys()
    {
        var cl = CommandLine.Parse(["--origin", "http://o:1", "--cache-dir=/tmp/c", "--management-urls", "http://127.0.0.1:1", "--urls", "http://127.0.0.1:2"]);

        Assert.Equal(["--EdgeCache:Origin=http://o:1", "--EdgeCache:Storage:Disk:Path=/tmp/c", "--EdgeCache:ManagementUrls=http://127.0.0.1:1", "--urls", "http://127.0.0.1:2"], cl.ConfigurationArgs);
        Assert.Empty(cl.Errors);
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
    public void Parse_ShortcutWithoutValue_Error() =>
        Assert.StartsWith("--origin: needs a value", Assert.Single(CommandLine.Parse(["--origin", "--validate-config"]).Errors));
}
