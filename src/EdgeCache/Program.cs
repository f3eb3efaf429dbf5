using EdgeCache.Hosting;

var commandLine = CommandLine.Parse(args);
if (commandLine.ShowHelp || commandLine.ShowVersion)
{
    Console.WriteLine(commandLine.ShowHelp ? CommandLine.HelpText : CommandLine.VersionText);
    return 0;
}
EdgeCacheHost host;
try
{
    host = EdgeCacheHost.Build(commandLine);
}
catch (ConfigurationException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 1;
}

if (commandLine.ValidateOnly)
{
    await host.DisposeAsync();
    Console.WriteLine("Configuration is valid.");
    return 0;
}

await host.StartAsync();
Console.WriteLine($"EdgeCache proxy on {string.Join(", ", host.Proxy.Urls)}; management on {string.Join(", ", host.Management.Urls)}");
if (host.Demo is not null)
{
    Console.WriteLine($"Demo origin on {host.Demo.Url}; try: curl -i {host.Proxy.Urls.First()}/articles/1");
}
await host.Proxy.WaitForShutdownAsync();
await host.StopAsync();
await host.DisposeAsync();
return 0;
