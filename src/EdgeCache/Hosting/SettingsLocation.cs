using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Json;

namespace EdgeCache.Hosting;

/// <summary>
/// Where EdgeCache's configuration and relative paths come from, the same for <c>dotnet run</c> and
/// a published binary: <c>--config FILE</c> names the settings file, and relative paths in it
/// (the cache folder, the templates) are relative to that file's folder; without it, the current
/// directory's <c>appsettings.json</c>, or the nearest folder above with one; <c>--contentRoot DIR</c>
/// names the folder outright. Templates a folder does not have are the ones shipped beside EdgeCache.
/// </summary>
internal sealed record SettingsLocation(string ContentRoot, string SettingsFile, bool Named, IReadOnlyList<string> Errors)
{
    public const string FileName = "appsettings.json";

    public static SettingsLocation Find(CommandLine commandLine, string? contentRoot = null)
    {
        var errors = new List<string>();
        var named = commandLine.ConfigFile is not null;
        var file = named ? Path.GetFullPath(commandLine.ConfigFile!) : null;
        if (file is not null && !File.Exists(file))
        {
            errors.Add(Directory.Exists(file)
                ? $"--config {commandLine.ConfigFile}: is a folder; name the settings file, e.g. --config {Path.Combine(commandLine.ConfigFile!, FileName)}"
                : $"--config {commandLine.ConfigFile}: no such file");
        }
        if (commandLine.ContentRoot is { } given && !Directory.Exists(given))
        {
            errors.Add($"--contentRoot {given}: no such folder");
        }
        var root = contentRoot
            ?? (commandLine.ContentRoot is { } dir ? Path.GetFullPath(dir) : null)
            ?? (file is not null ? Path.GetDirectoryName(file)! : CommandLine.FindContentRoot(Directory.GetCurrentDirectory()));
        return new SettingsLocation(root, file ?? Path.Combine(root, FileName), named, errors);
    }

    /// <summary>
    /// Replaces the host's <c>appsettings*.json</c> sources with <see cref="CheckedJsonFile"/>s in the
    /// same places (so environment variables and the command line still outrank them): the settings
    /// file (required when named by <c>--config</c>) and <c>appsettings.{Environment}.json</c> beside it.
    /// </summary>
    public IReadOnlyList<CheckedJsonFile> UseCheckedFiles(IConfigurationBuilder configuration)
    {
        var files = new List<CheckedJsonFile>();
        var sources = configuration.Sources;
        for (var i = 0; i < sources.Count; i++)
        {
            if (sources[i] is JsonConfigurationSource { Path: { } path } json && path.StartsWith("appsettings", StringComparison.OrdinalIgnoreCase))
            {
                var main = path.Equals(FileName, StringComparison.OrdinalIgnoreCase);
                var file = new CheckedJsonFile(main ? SettingsFile : Path.Combine(Path.GetDirectoryName(SettingsFile)!, path),
                    optional: !(main && Named), watch: json.ReloadOnChange);
                files.Add(file);
                sources[i] = file;
            }
        }
        return files;
    }

    /// <summary>
    /// The templates folder: the configured one, relative to the content root; when that is the
    /// default and the folder has none, the templates shipped beside EdgeCache (a publish and a
    /// build both carry them), so a site's folder needs only its settings.
    /// </summary>
    public string TemplatesPath(string? configured)
    {
        var standard = new Degraded.DegradedOptions().TemplatesPath;
        var path = Path.Combine(ContentRoot, configured ?? standard);
        if ((configured ?? standard) == standard && !Directory.Exists(path))
        {
            var shipped = Path.Combine(AppContext.BaseDirectory, standard);
            if (Directory.Exists(shipped))
            {
                return shipped;
            }
        }
        return path;
    }
}
