using System.Text.RegularExpressions;
using HandlebarsDotNet;
using Microsoft.Extensions.Logging;
using EdgeCache.Diagnostics;

namespace EdgeCache.Templates;

/// <summary>
/// The publisher's templates, reloaded when their files change (a set that fails to compile is
/// logged and the previous one kept). Lookups go by name in the compiled map: a host from a
/// request only ever selects among the templates already loaded, so no request can reach a file
/// outside the templates folder.
/// </summary>
internal sealed partial class TemplateSet : IDisposable
{
    private static readonly Regex SafeHost = SafeHostRegex();

    private readonly string _root;
    private readonly ILogger _logger;
    private readonly FileSystemWatcher? _watcher;
    private readonly Timer _debounce;
    private volatile IReadOnlyDictionary<string, HandlebarsTemplate<object, object>> _templates;

    public TemplateSet(string root, ILogger<TemplateSet> logger)
    {
        _root = root;
        _logger = logger;
        var result = TemplateCompiler.Compile(root);
        _templates = result.Templates;
        _debounce = new Timer(_ => Reload());
        if (Directory.Exists(root))
        {
            _watcher = new FileSystemWatcher(root) { IncludeSubdirectories = true, NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.DirectoryName };
            _watcher.Changed += OnChanged;
            _watcher.Created += OnChanged;
            _watcher.Deleted += OnChanged;
            _watcher.Renamed += OnChanged;
            _watcher.EnableRaisingEvents = true;
        }
        else
        {
            LogNoTemplates(_logger, root);
        }
    }

    /// <summary>Raised after a successful reload (tests wait on it).</summary>
    public event Action? Reloaded;

    /// <summary>Raised when a change on disk did not compile and the previous templates stay.</summary>
    public event Action? ReloadRejected;

    public int Count => _templates.Count;

    /// <summary>
    /// Renders the first template that exists among the site's override and the shared one
    /// (<c>sites/HOST/NAME</c>, then <c>NAME</c>); null when neither exists. Throws when rendering fails.
    /// </summary>
    public string? Render(string? host, string name, object model)
    {
        var template = Find(host, name);
        return template?.Invoke(model);
    }

    public bool Has(string? host, string name) => Find(host, name) is not null;

    private HandlebarsTemplate<object, object>? Find(string? host, string name)
    {
        var templates = _templates;
        if (host is not null && SafeHost.IsMatch(host) && templates.TryGetValue($"sites/{host}/{name}", out var site))
        {
            return site;
        }
        return templates.TryGetValue(name, out var shared) ? shared : null;
    }

    // Waits for a quiet half second: an editor's save is several events, and a slow writer may
    // leave a file briefly truncated (an empty page never goes out: the built-in page stands in).
    private void OnChanged(object sender, FileSystemEventArgs e) => _debounce.Change(TimeSpan.FromMilliseconds(500), Timeout.InfiniteTimeSpan);

    private void Reload()
    {
        try
        {
            var result = TemplateCompiler.Compile(_root);
            if (result.Errors.Count > 0)
            {
                foreach (var error in result.Errors)
                {
                    LogReloadRejected(_logger, error);
                }
                ReloadRejected?.Invoke();
                return;
            }
            _templates = result.Templates;
            LogReloaded(_logger, result.Templates.Count);
            Reloaded?.Invoke();
        }
        catch (Exception ex)
        {
            LogReloadFailed(_logger, ex);
        }
    }

    public void Dispose()
    {
        _watcher?.Dispose();
        _debounce.Dispose();
    }

    [GeneratedRegex("^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$")]
    private static partial Regex SafeHostRegex();

    [LoggerMessage(EventId = EventIds.TemplatesReloaded, EventName = nameof(EventIds.TemplatesReloaded), Level = LogLevel.Information, Message = "Templates reloaded: {Count} templates")]
    private static partial void LogReloaded(ILogger logger, int count);

    [LoggerMessage(EventId = EventIds.TemplateReloadRejected, EventName = nameof(EventIds.TemplateReloadRejected), Level = LogLevel.Error,
        Message = "Template change not applied, the previous templates stay in use: {Error}")]
    private static partial void LogReloadRejected(ILogger logger, string error);

    [LoggerMessage(EventId = EventIds.TemplateReloadFailed, EventName = nameof(EventIds.TemplateReloadFailed), Level = LogLevel.Error, Message = "Reloading templates failed")]
    private static partial void LogReloadFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = EventIds.NoTemplates, EventName = nameof(EventIds.NoTemplates), Level = LogLevel.Warning,
        Message = "No templates folder at {Root}: error and status pages use the built-in design")]
    private static partial void LogNoTemplates(ILogger logger, string root);
}
