using System.Diagnostics;
using Microsoft.Extensions.Logging;
using EdgeCache.Diagnostics;

namespace EdgeCache.Templates;

/// <summary>
/// The publisher's templates, compiled off the request path: at start-up and after every change
/// on disk (debounced), on a thread of their own, each time into a new engine. A set replaces the
/// one in use only when every template in it compiles; otherwise each error is logged with its file
/// and line and the previous set stays. Until the first set is ready (a few seconds after start)
/// <see cref="Current"/> is null and callers send their built-in pages.
/// </summary>
internal sealed partial class TemplateSet : IDisposable
{
    // An editor's save is several events, and a deployment writes several files.
    private static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(500);

    private readonly string _root;
    private readonly ILogger _logger;
    private readonly Func<string, TemplateCompiler.Result> _compile;
    private readonly FileSystemWatcher? _watcher;
    private readonly Timer _debounce;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _gate = new();
    private volatile CompiledTemplates? _current;
    private bool _compiling;
    private bool _pending;
    private bool _disposed;

    public TemplateSet(string root, ILogger<TemplateSet> logger)
        : this(root, logger, TemplateCompiler.Compile)
    {
    }

    /// <param name="compile">Compiles a folder (tests slow it down to look at the start-up window).</param>
    internal TemplateSet(string root, ILogger<TemplateSet> logger, Func<string, TemplateCompiler.Result> compile)
    {
        _root = root;
        _logger = logger;
        _compile = compile;
        // Real time on purpose: file events happen in real time, whatever clock the caches use.
        _debounce = new Timer(_ => RequestCompile());
        if (!Directory.Exists(root))
        {
            LogNoTemplates(_logger, root);
            _ready.SetResult();
            return;
        }
        _watcher = new FileSystemWatcher(root) { IncludeSubdirectories = true, NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.DirectoryName };
        _watcher.Changed += OnChanged;
        _watcher.Created += OnChanged;
        _watcher.Deleted += OnChanged;
        _watcher.Renamed += OnChanged;
        _watcher.EnableRaisingEvents = true;
        RequestCompile();
    }

    /// <summary>The templates in use; null until the first set compiled (or when none ever did).</summary>
    public CompiledTemplates? Current => _current;

    /// <summary>Completes when the start-up compile has finished, whether the set compiled or not.</summary>
    public Task Ready => _ready.Task;

    /// <summary>Raised after a changed set compiled and was swapped in.</summary>
    public event Action? Reloaded;

    /// <summary>Raised when a changed set did not compile and the previous one stays.</summary>
    public event Action? ReloadRejected;

    private void OnChanged(object sender, FileSystemEventArgs e) => _debounce.Change(Debounce, Timeout.InfiniteTimeSpan);

    /// <summary>Compiles now, or right after the compile under way (which may have read the files before this change).</summary>
    private void RequestCompile()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }
            _pending = true;
            if (_compiling)
            {
                return;
            }
            _compiling = true;
        }
        // Its own thread, not the thread pool's: a compile is seconds of CPU at start-up, and the
        // pool's few threads (two on a two-core machine) are what the first requests need.
        new Thread(CompileLoop) { IsBackground = true, Name = "EdgeCache templates" }.Start();
    }

    private void CompileLoop()
    {
        BackgroundPriority.LowerCurrentThread();
        while (true)
        {
            lock (_gate)
            {
                if (!_pending || _disposed)
                {
                    _compiling = false;
                    return;
                }
                _pending = false;
            }
            CompileOnce();
        }
    }

    private void CompileOnce()
    {
        var first = !_ready.Task.IsCompleted;
        try
        {
            var started = Stopwatch.GetTimestamp();
            var result = _compile(_root);
            if (result.Templates is null)
            {
                foreach (var error in result.Errors)
                {
                    if (first)
                    {
                        LogStartupError(_logger, error.File, error.Line, error.Message);
                    }
                    else
                    {
                        LogReloadRejected(_logger, error.File, error.Line, error.Message);
                    }
                }
                if (!first)
                {
                    ReloadRejected?.Invoke();
                }
                return;
            }
            var previous = _current;
            _current = result.Templates;
            if (first || previous is null)
            {
                LogReady(_logger, result.Templates.Count, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
            if (!first)
            {
                LogReloaded(_logger, result.Templates.Count);
                Reloaded?.Invoke();
            }
        }
        catch (Exception ex)
        {
            LogReloadFailed(_logger, ex);
            if (!first)
            {
                ReloadRejected?.Invoke();
            }
        }
        finally
        {
            _ready.TrySetResult();
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
        }
        _watcher?.Dispose();
        _debounce.Dispose();
    }

    [LoggerMessage(EventId = EventIds.TemplatesReloaded, EventName = nameof(EventIds.TemplatesReloaded), Level = LogLevel.Information, Message = "Templates reloaded: {Count} templates")]
    private static partial void LogReloaded(ILogger logger, int count);

    [LoggerMessage(EventId = EventIds.TemplateReloadRejected, EventName = nameof(EventIds.TemplateReloadRejected), Level = LogLevel.Error,
        Message = "Template change not applied, the previous templates stay in use: {File}:{Line}: {Error}")]
    private static partial void LogReloadRejected(ILogger logger, string file, int line, string error);

    [LoggerMessage(EventId = EventIds.TemplateReloadFailed, EventName = nameof(EventIds.TemplateReloadFailed), Level = LogLevel.Error, Message = "Compiling templates failed")]
    private static partial void LogReloadFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = EventIds.NoTemplates, EventName = nameof(EventIds.NoTemplates), Level = LogLevel.Warning,
        Message = "No templates folder at {Root}: error and status pages use the built-in design")]
    private static partial void LogNoTemplates(ILogger logger, string root);

    [LoggerMessage(EventId = EventIds.TemplatesReady, EventName = nameof(EventIds.TemplatesReady), Level = LogLevel.Information,
        Message = "Templates ready: {Count} templates compiled in {ElapsedMs:0} ms")]
    private static partial void LogReady(ILogger logger, int count, double elapsedMs);

    [LoggerMessage(EventId = EventIds.TemplateStartupError, EventName = nameof(EventIds.TemplateStartupError), Level = LogLevel.Error,
        Message = "Template does not compile, the built-in pages are used until the templates are fixed: {File}:{Line}: {Error}")]
    private static partial void LogStartupError(ILogger logger, string file, int line, string error);
}
