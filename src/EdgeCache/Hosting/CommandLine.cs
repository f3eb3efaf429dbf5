using Microsoft.Extensions.Configuration;

namespace EdgeCache.Hosting;

/// <summary>
/// The command line: EdgeCache's own switches are configuration keys (<c>--origin</c> sets
/// <c>EdgeCache:Origin</c>, through <see cref="CommandLineConfigurationExtensions.AddCommandLine(IConfigurationBuilder, string[], IDictionary{string, string})"/>'s
/// switch mappings), so that a switch, an environment variable (<c>EdgeCache__Origin</c>) and
/// <c>appsettings.json</c> are one mechanism; everything else (<c>--urls</c>, <c>--Section:Key=value</c>)
/// is read by ASP.NET Core as is. The flags without a value (<c>--validate-config</c>,
/// <c>--demo-origin</c>) are taken out here: the configuration provider would read the next argument as their value.
/// </summary>
internal sealed record CommandLine(string[] ConfigurationArgs, bool ValidateOnly, bool DemoOrigin, IReadOnlyList<string> Errors)
{
    /// <summary>Switches that take a value, and the configuration key each one sets.</summary>
    public static readonly IDictionary<string, string> Switches = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["--origin"] = "EdgeCache:Origin",
        ["--backup-origin"] = "EdgeCache:BackupOrigin",
        ["--cache-dir"] = "EdgeCache:Storage:Disk:Path",
        ["--management-urls"] = "EdgeCache:ManagementUrls",
        ["--health-path"] = "EdgeCache:HealthPath",
        ["--redis"] = "EdgeCache:Storage:Redis:Configuration",
    }.AsReadOnly();

    public static CommandLine Parse(string[] args)
    {
        var passed = new List<string>();
        var errors = new List<string>();
        bool validate = false, demo = false;
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            var eq = arg.IndexOf('=');
            var name = eq > 0 ? arg[..eq] : arg;
            if (name.Equals("--validate-config", StringComparison.OrdinalIgnoreCase))
            {
                validate = true;
                continue;
            }
            if (name.Equals("--demo-origin", StringComparison.OrdinalIgnoreCase))
            {
                demo = true;
                continue;
            }
            passed.Add(arg);
            if (Switches.ContainsKey(name))
            {
                // The provider would take a following switch as the value, or silently drop a last one.
                var value = eq > 0 ? arg[(eq + 1)..] : i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : null;
                if (string.IsNullOrWhiteSpace(value))
                {
                    errors.Add($"{name}: needs a value, e.g. {name} {Example(name)}");
                }
                else if (eq < 0)
                {
                    passed.Add(value);
                }
            }
        }
        return new CommandLine([.. passed], validate, demo, errors);
    }

    /// <summary>Adds the command line, EdgeCache's switches mapped to their keys, as a configuration source.</summary>
    public IConfigurationBuilder AddTo(IConfigurationBuilder configuration) => configuration.AddCommandLine(ConfigurationArgs, Switches);

    private static string Example(string name) => name switch
    {
        "--origin" => "http://127.0.0.1:9100",
        "--backup-origin" => "http://mirror.example.net",
        "--cache-dir" => "/var/cache/edgecache",
        "--health-path" => "/health",
        "--redis" => "127.0.0.1:6379",
        _ => "http://127.0.0.1:9091",
    };

    /// <summary>
    /// The folder holding <c>appsettings.json</c> and <c>templates/</c>: the current directory, or
    /// the nearest parent that has an <c>appsettings.json</c> (so <c>dotnet run --project src/EdgeCache</c>
    /// from the repository root, which runs in the project folder, finds the repository's defaults).
    /// </summary>
    public static string FindContentRoot(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "appsettings.json")))
            {
                return dir.FullName;
            }
        }
        return start;
    }
}
