using Microsoft.Extensions.Configuration;

namespace EdgeCache.Hosting;

/// <summary>
/// The YARP configuration that <c>--origin URL</c> stands for: one catch-all route to one cluster
/// with one destination. It replaces the <c>ReverseProxy</c> section rather than merging with it.
/// </summary>
internal static class OriginShortcut
{
    public const string RouteId = "origin";
    public const string ClusterId = "origin";

    public static IConfigurationSection Build(string origin)
    {
        var values = new Dictionary<string, string?>
        {
            [$"ReverseProxy:Routes:{RouteId}:ClusterId"] = ClusterId,
            [$"ReverseProxy:Routes:{RouteId}:Match:Path"] = "{**catch-all}",
            [$"ReverseProxy:Clusters:{ClusterId}:Destinations:origin:Address"] = origin,
            // A hung origin must not hold readers for YARP's default 100 s.
            [$"ReverseProxy:Clusters:{ClusterId}:HttpRequest:ActivityTimeout"] = "00:00:30",
        };
        return new ConfigurationBuilder().AddInMemoryCollection(values).Build().GetSection("ReverseProxy");
    }
}
