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
catch (Exception ex)
{
    // Whatever a check above missed still ends as what went wrong, exit 1, never a stack trace.
    Console.Error.WriteLine($"EdgeCache cannot start: {ListenFailure.Messages(ex)}");
    return 1;
}

if (commandLine.ValidateOnly)
{
    await host.DisposeAsync();
    Console.WriteLine("Configuration is valid.");
    return 0;
}

try
{
    await host.StartAsync();
}
catch (Exception ex) when (ListenFailure.Describe(ex) is { } reason)
{
    // A port in use, an address that is not this machine's, https:// without a certificate: one
    // line saying which and what to do, exit 1; never a stack trace.
    Console.Error.WriteLine($"EdgeCache cannot start: {reason}");
    await host.DisposeAsync();
    return 1;
}
catch (Exception ex)
{
    Console.Error.WriteLine($"EdgeCache cannot start: {ListenFailure.Messages(ex)}");
    await host.DisposeAsync();
    return 1;
}
Console.WriteLine($"EdgeCache proxy on {string.Join(", ", host.Proxy.Urls)}; management on {string.Join(", ", host.Management.Urls)}");
if (host.Demo is not null)
{
    Console.WriteLine($"Demo origin on {host.Demo.Url}; try: curl -i {host.Proxy.Urls.First()}/articles/1");
}
await host.Proxy.WaitForShutdownAsync();
await host.StopAsync();
await host.DisposeAsync();
return 0;
