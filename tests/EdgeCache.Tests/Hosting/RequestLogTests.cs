using EdgeCache.Hosting;
using Microsoft.Extensions.Configuration;

namespace EdgeCache.Tests.Hosting;

public sealed class RequestLogTests
{
    [Theory]
    [InlineData(null, null, null, false)]                        // nothing configured
    [InlineData("Information", "Warning", null, false)]          // the shipped appsettings.json
    [InlineData("Warning", null, null, false)]                   // the load script's command line
    [InlineData("Information", null, null, false)]               // Default: the access log is the request's line
    [InlineData("Debug", "Information", null, false)]            // nor does a prefix of the category bring them
    [InlineData("Warning", "Warning", "Information", true)]      // asked for by name
    [InlineData("Information", null, "Warning", false)]
    public void RequestLogWanted_OnlyWhenAskedForByName(string? defaultLevel, string? aspNetCoreLevel, string? hostingLevel, bool expected)
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
        if (hostingLevel is not null)
        {
            values["Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics"] = hostingLevel;
        }
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();

        Assert.Equal(expected, EdgeCacheHost.RequestLogWanted(configuration));
    }
}
