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
    /// <summary><c>--help</c> or <c>-h</c>: print <see cref="HelpText"/> and exit.</summary>
    public bool ShowHelp { get; init; }

    /// <summary><c>--version</c>: print <see cref="VersionText"/> and exit.</summary>
    public bool ShowVersion { get; init; }

    /// <summary><c>--config FILE</c>: the settings file, instead of the current directory's <c>appsettings.json</c>.</summary>
    public string? ConfigFile { get; init; }

    /// <summary><c>--contentRoot DIR</c> (ASP.NET Core's switch): the folder of <c>appsettings.json</c> and relative paths.</summary>
    public string? ContentRoot { get; init; }

    /// <summary>
    /// The single-word switches ASP.NET Core's host reads itself (<c>--urls</c>, ...). Any other
    /// <c>--word</c> that is not EdgeCache's is a mistake (<c>--orgin</c>): refused with a suggestion
    /// rather than taken as a configuration key nobody reads. Keys with a section
    /// (<c>--EdgeCache:Cache:MaxObjectBytes=1024</c>) are configuration and always pass.
    /// </summary>
    private static readonly string[] HostSwitches =
        ["--urls", "--environment", "--applicationName", "--AllowedHosts", "--http_ports", "--https_ports"];

    private static readonly string[] Flags = ["--validate-config", "--demo-origin", "--help", "--version"];

    /// <summary>Switches that name where the configuration is; read here, not configuration keys.</summary>
    private static readonly string[] Locations = ["--config", "--contentRoot"];
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
        bool validate = false, demo = false, help = false, version = false;
        string? configFile = null, contentRoot = null;

        // A switch's value: after '=' or the next argument; a following switch is not a value (the
        // configuration provider would take it as one, or silently drop a last switch).
        string? TakeValue(string name, string? inline, ref int i)
        {
            var value = inline ?? (i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : null);
            if (string.IsNullOrWhiteSpace(value))
            {
                errors.Add($"{name}: needs a value, e.g. {name} {Example(name)}");
                return null;
            }
            return value;
        }
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
            if (name is "--help" or "-h" or "-?")
            {
                help = true;
                continue;
            }
            if (name.Equals("--version", StringComparison.OrdinalIgnoreCase))
            {
                version = true;
                continue;
            }
            if (Locations.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                var value = TakeValue(name, eq > 0 ? arg[(eq + 1)..] : null, ref i);
                if (value is null)
                {
                    continue;
                }
                if (name.Equals("--config", StringComparison.OrdinalIgnoreCase))
                {
                    configFile = value;
                }
                else
                {
                    contentRoot = value;
                }
                continue;
            }
            if (name.StartsWith("--", StringComparison.Ordinal) && !name.Contains(':') && !Switches.ContainsKey(name)
                && !HostSwitches.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                errors.Add(Closest(name) is { } suggestion
                    ? $"{name}: unknown switch; did you mean {suggestion}? (--help lists them)"
                    : $"{name}: unknown switch (--help lists them; a configuration key is given as --Section:Key=value)");
                if (eq < 0 && i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    i++; // its value, not an argument of its own
                }
                continue;
            }
            passed.Add(arg);
            if (Switches.ContainsKey(name))
            {
                var value = TakeValue(name, eq > 0 ? arg[(eq + 1)..] : null, ref i);
                if (value is not null && eq < 0)
                {
                    passed.Add(value);
                }
            }
        }
        return new CommandLine([.. passed], validate, demo, errors)
        {
            ShowHelp = help, ShowVersion = version, ConfigFile = configFile, ContentRoot = contentRoot,
        };
    }

    /// <summary>The known switch nearest to a misspelt one (at most two edits away, or one a prefix of the other), else null.</summary>
    internal static string? Closest(string name)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var known in Switches.Keys.Concat(HostSwitches).Concat(Flags).Concat(Locations))
        {
            var (a, b) = (name.ToLowerInvariant(), known.ToLowerInvariant());
            var distance = a.Length > 4 && (b.StartsWith(a, StringComparison.Ordinal) || a.StartsWith(b, StringComparison.Ordinal)) ? 1 : EditDistance(a, b);
            if (distance < bestDistance)
            {
                (best, bestDistance) = (known, distance);
            }
        }
        return bestDistance <= 2 ? best : null;
    }

    /// <summary>Whether <paramref name="name"/> is a likely misspelling of <paramref name="known"/> (at most two edits, any case).</summary>
    internal static bool IsNear(string name, string known) => EditDistance(name.ToLowerInvariant(), known.ToLowerInvariant()) <= 2;

    private static int EditDistance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }
            previous = current;
        }
        return previous[b.Length];
    }

    /// <summary>EdgeCache's version, as built (the assembly's informational version).</summary>
    public static string VersionText =>
        "EdgeCache " + (typeof(CommandLine).Assembly
            .GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion ?? "unknown")
        + $" (.NET {Environment.Version})";

    /// <summary>Every switch, and where the full configuration reference is.</summary>
    public const string HelpText = """
        EdgeCache: a caching edge proxy that keeps serving when the origin fails.

        Usage: EdgeCache [switches] [--Section:Key=value ...]

          --config FILE            the settings file (default: appsettings.json in the current folder,
                                   or the nearest folder above with one); relative paths in it are
                                   relative to its folder
          --origin URL             the origin to cache (EdgeCache:Origin)
          --backup-origin URL      a backup origin, used when every primary is down (EdgeCache:BackupOrigin)
          --urls URLS              public listener(s), e.g. http://0.0.0.0:8080 (ASP.NET Core's urls)
          --management-urls URLS   the admin, metrics and status listener (EdgeCache:ManagementUrls)
          --cache-dir PATH         the disk tier's folder (EdgeCache:Storage:Disk:Path)
          --health-path PATH       the origin path the health probe asks for (EdgeCache:HealthPath)
          --redis CONFIG           a shared tier on Redis, e.g. 127.0.0.1:6379 (EdgeCache:Storage:Redis:Configuration)
          --demo-origin            start the built-in demo origin and cache it
          --validate-config        check the configuration and the templates, list every problem, and exit
          --environment NAME       the host environment (appsettings.NAME.json is read too)
          --help, -h               this text
          --version                the version

        Any configuration key can be given as --Section:Key=value (for example
        --EdgeCache:Cache:MaxObjectBytes=16777216) or as an environment variable (EdgeCache__Cache__MaxObjectBytes).
        A changed settings file is checked as at start and applied only when valid.
        Every key, its default and what it does:
        README.md, "Configuration reference".
        """;

    /// <summary>Adds the command line, EdgeCache's switches mapped to their keys, as a configuration source.</summary>
    public IConfigurationBuilder AddTo(IConfigurationBuilder configuration) => configuration.AddCommandLine(ConfigurationArgs, Switches);

    private static string Example(string name) => name switch
    {
        "--origin" => "http://127.0.0.1:9100",
        "--backup-origin" => "http://mirror.example.net",
        "--cache-dir" => "/var/cache/edgecache",
        "--health-path" => "/health",
        "--redis" => "127.0.0.1:6379",
        "--config" => "/etc/edgecache/appsettings.json",
        "--contentRoot" => "/srv/edgecache",
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
