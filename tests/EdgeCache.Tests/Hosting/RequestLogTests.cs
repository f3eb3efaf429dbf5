using EdgeCache.Hosting;
using Microsoft.Extensions.Configuration;

namespace EdgeCache.Tests.Hosting;

public sealed class RequestLogTests
{
    [Theory]
    [InlineData(null, null, false)]                       // nothing configured
    [InlineData("Information", "Warning", false)]         // the shipped appsettings.json
    [InlineData("Warning", null, false)]                  // the load script's command line
    [InlineData("Information", null, true)]               // Default lets request lines through
    [InlineData("Warning", "Information", true)]          // a prefix of the category asks for them
    public void RequestLogWanted_FollowsMostSpecificLevel(string? defaultLevel, string? aspNetCoreLevel, bool expected)
    {
        var values = new Dictionary<string, string?>();
        if (defaultLevel is not null)
        {
            values["Logging:LogLevel:Default"] = defaultLevel;
        }
        if (aspNetCoreLevel is not null)
        {
            values["Logging:LogLevel:Microsoft.AspNetCore"] = aspNetCoreLevel;
        }
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();

        Assert.Equal(expected, EdgeCacheHost.RequestLogWanted(configuration));
    }
}
