using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Yarp.ReverseProxy.Configuration;

namespace EdgeCache.Hosting;

/// <summary>
/// YARP's own validation of a <c>ReverseProxy</c> section (route patterns, hosts, methods, header
/// matches, transforms, policy names...), run before the section is applied: at start-up, in
/// <c>--validate-config</c> and for every changed file, so that YARP never meets a configuration
/// it would refuse (at start that is an unhandled exception). The section is read by YARP's own
/// reader, passed through the proxy's config filters (EdgeCache's cluster defaults) and checked by
/// the proxy's <see cref="IConfigValidator"/>, with the transforms and policies it has registered.
/// </summary>
internal static class ProxyConfigCheck
{
    public static IReadOnlyList<string> Validate(IConfigurationSection section, IServiceProvider proxyServices)
    {
        var validator = proxyServices.GetRequiredService<IConfigValidator>();
        var filters = proxyServices.GetServices<IProxyConfigFilter>().ToList();
        var errors = new List<string>();
        IProxyConfig config;
        // YARP's reader is internal; a container of its own reads the section exactly as the proxy will.
        using (var reader = new ServiceCollection().AddLogging().AddReverseProxy().LoadFromConfig(section).Services.BuildServiceProvider())
        {
            try
            {
                config = reader.GetRequiredService<IProxyConfigProvider>().GetConfig();
            }
            catch (Exception ex)
            {
                return [$"{section.Path}: {Message(ex)}"];
            }
        }
        var clusters = new Dictionary<string, ClusterConfig>(StringComparer.OrdinalIgnoreCase);
        foreach (var read in config.Clusters)
        {
            var cluster = read;
            foreach (var filter in filters)
            {
                cluster = filter.ConfigureClusterAsync(cluster, CancellationToken.None).AsTask().GetAwaiter().GetResult();
            }
            clusters[cluster.ClusterId] = cluster;
            foreach (var error in validator.ValidateClusterAsync(cluster).AsTask().GetAwaiter().GetResult())
            {
                errors.Add($"{section.Path}:Clusters:{cluster.ClusterId}: {Message(error)}");
            }
        }
        foreach (var read in config.Routes)
        {
            var route = read;
            foreach (var filter in filters)
            {
                route = filter.ConfigureRouteAsync(route, route.ClusterId is { } id ? clusters.GetValueOrDefault(id) : null, CancellationToken.None)
                    .AsTask().GetAwaiter().GetResult();
            }
            foreach (var error in validator.ValidateRouteAsync(route).AsTask().GetAwaiter().GetResult())
            {
                errors.Add($"{section.Path}:Routes:{route.RouteId}: {Message(error)}");
            }
        }
        return errors;
    }

    private static string Message(Exception ex) =>
        (ex.InnerException is { } inner && !ex.Message.Contains(inner.Message, StringComparison.Ordinal)
            ? $"{ex.Message} {inner.Message}"
            : ex.Message).ReplaceLineEndings(" ");
}
