using System.Text.Json;
using EdgeCache.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;

namespace EdgeCache.Hosting;

/// <summary>
/// <c>appsettings.json</c> as a configuration source that only ever publishes a configuration
/// that passes validation. When the file changes, the whole configuration it would make (this
/// file under the environment variables and the command line, as always) is checked first
/// (<see cref="Check"/>); a file that is not JSON, is gone, or fails a check is logged with every
/// problem and the previous configuration stays in force, as YARP does with a bad proxy config.
/// ASP.NET Core's own JSON source would instead publish an empty configuration for a half-saved
/// file, and bind whatever parses of a bad one.
/// </summary>
internal sealed partial class CheckedJsonFile(string path, bool optional, bool watch) : IConfigurationSource
{
    /// <summary>Whether a missing file is fine (<c>appsettings.{Environment}.json</c>) rather than an error.</summary>
    public bool Optional { get; } = optional;

    /// <summary>Whether changes to the file are read while running.</summary>
    public bool Watch { get; } = watch;

    /// <summary>The full path of the file.</summary>
    public string Path { get; } = System.IO.Path.GetFullPath(path);

    /// <summary>Why the file could not be read at start (not JSON, missing though required); null when it was.</summary>
    public string? LoadError => _provider?.LoadError;

    /// <summary>
    /// Validates the configuration a changed file would make, given its new keys; returns every
    /// problem (empty when it may be published). Set once the host is built; until then changes wait.
    /// </summary>
    public Func<CheckedJsonFile, IDictionary<string, string?>, IReadOnlyList<string>>? Check { get; set; }

    public ILogger? Logger { get; set; }

    /// <summary>Whether a key is read once at start (a listener, the storage): a change to it is in force only after a restart, and the log says so.</summary>
    public Func<string, bool>? ReadAtStart { get; set; }

    private Provider? _provider;

    /// <summary>The provider this source last built (the configuration manager builds it again whenever its sources change).</summary>
    public IConfigurationProvider? Current => _provider;

    public IConfigurationProvider Build(IConfigurationBuilder builder) => _provider = new Provider(this);

    /// <summary>Reads the file: its keys, flattened as configuration keys, or why it cannot be read.</summary>
    internal static (Dictionary<string, string?>? Data, string? Error) Read(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (stream.Length == 0)
            {
                // An editor truncates before it writes: an empty file is a half-saved one, not an empty configuration.
                return (null, $"{path}: the file is empty");
            }
            // The JSON provider's own parser, so keys come out exactly as at start (an empty array is a key with no value).
            var parser = new JsonParser();
            parser.Load(stream);
            var data = new Dictionary<string, string?>(parser.Keys, StringComparer.OrdinalIgnoreCase);
            return (data, null);
        }
        catch (FileNotFoundException)
        {
            return (null, $"{path}: no such file");
        }
        catch (DirectoryNotFoundException)
        {
            return (null, $"{path}: no such file");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return (null, $"{path}: cannot be read ({ex.Message})");
        }
        catch (Exception ex) when (ex is FormatException or JsonException or InvalidDataException)
        {
            var json = ex as JsonException ?? ex.InnerException as JsonException;
            var where = json?.LineNumber is { } line ? $" at line {line + 1}" : "";
            return (null, $"{path}: not valid JSON{where}: {(json ?? ex).Message.Split(" Path:")[0].Split(" LineNumber:")[0]}");
        }
    }

    private sealed class JsonParser() : Microsoft.Extensions.Configuration.Json.JsonStreamConfigurationProvider(new() { })
    {
        public IDictionary<string, string?> Keys => Data;
    }

    private sealed partial class Provider : ConfigurationProvider, IDisposable
    {
        /// <summary>Editors write a file in several steps; a change is read once they are done.</summary>
        private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(250);

        private readonly CheckedJsonFile _source;
        private readonly PhysicalFileProvider? _files;
        private readonly IDisposable? _watch;
        private readonly Timer? _settle;
        private readonly Lock _reloading = new();

        public Provider(CheckedJsonFile source)
        {
            _source = source;
            if (source.Watch && Directory.Exists(System.IO.Path.GetDirectoryName(source.Path)))
            {
                _files = new PhysicalFileProvider(System.IO.Path.GetDirectoryName(source.Path)!);
                _settle = new Timer(_ => Reload(), null, Timeout.Infinite, Timeout.Infinite);
                var name = System.IO.Path.GetFileName(source.Path);
                _watch = ChangeToken.OnChange(() => _files.Watch(name), () => _settle.Change(Settle, Timeout.InfiniteTimeSpan));
            }
        }

        public string? LoadError { get; private set; }

        public override void Load()
        {
            if (!File.Exists(_source.Path) && _source.Optional)
            {
                return;
            }
            var (data, error) = Read(_source.Path);
            LoadError = error;
            if (data is not null)
            {
                Data = data;
            }
        }

        /// <summary>
        /// Runs on a timer thread: whatever goes wrong is logged, never thrown, or the process would
        /// end and, short of that, the file would no longer be watched.
        /// </summary>
        private void Reload()
        {
            lock (_reloading)
            {
                if (_disposed || _source.Check is not { } check)
                {
                    return;
                }
                try
                {
                    Reload(check);
                }
                catch (Exception ex) when (!_disposed)
                {
                    Log(logger => Rejected(logger, _source.Path, 1, $"  the check could not run: {Messages(ex)}"));
                }
                catch (Exception) when (_disposed)
                {
                    // Shutting down: the services a check uses are going away.
                }
            }
        }

        private void Reload(Func<CheckedJsonFile, IDictionary<string, string?>, IReadOnlyList<string>> check)
        {
            var (data, error) = !File.Exists(_source.Path) && _source.Optional && Data.Count == 0
                ? (new Dictionary<string, string?>(), null)
                : Read(_source.Path);
            IReadOnlyList<string> problems = data is null ? [error!] : check(_source, data);
            if (problems.Count > 0)
            {
                if (_source.Logger is { } logger)
                {
                    Rejected(logger, _source.Path, problems.Count, string.Join(Environment.NewLine, problems.Select(p => "  " + p)));
                }
                return;
            }
            if (Same(Data, data!))
            {
                return; // saved without a change
            }
            var atStart = data!.Keys.Union(Data.Keys, StringComparer.OrdinalIgnoreCase)
                .Where(key => _source.ReadAtStart?.Invoke(key) == true
                    && !string.Equals(Data.TryGetValue(key, out var was) ? was : null, data.TryGetValue(key, out var now) ? now : null, StringComparison.Ordinal))
                .Order(StringComparer.OrdinalIgnoreCase).ToList();
            var previous = Data;
            Data = data;
            if (Publish() is { } refused)
            {
                // A reader refused what the checks let through (a log level, say): every reader goes
                // back to the configuration in force, as for any other rejected change.
                Data = previous;
                var restored = Publish();
                Log(logger => Rejected(logger, _source.Path, 1,
                    $"  {Messages(refused)}{(restored is null ? "" : $" (and going back failed too: {Messages(restored)})")}"));
                return;
            }
            if (_source.Logger is { } log)
            {
                Reloaded(log, _source.Path, atStart.Count == 0 ? "" : $"; read at start only, so in force after a restart: {string.Join(", ", atStart)}");
            }
        }

        /// <summary>Tells the configuration's readers; what one of them threw, or null.</summary>
        private Exception? Publish()
        {
            try
            {
                OnReload();
                return null;
            }
            catch (Exception ex)
            {
                return ex;
            }
        }

        private void Log(Action<ILogger> write)
        {
            if (_source.Logger is { } logger)
            {
                write(logger);
            }
        }

        private static string Messages(Exception ex) => ex is AggregateException all
            ? string.Join("; ", all.Flatten().InnerExceptions.Select(e => e.Message).Distinct())
            : ex.Message;

        private static bool Same(IDictionary<string, string?> a, IDictionary<string, string?> b) =>
            a.Count == b.Count && a.All(pair => b.TryGetValue(pair.Key, out var value) && string.Equals(value, pair.Value, StringComparison.Ordinal));

        private volatile bool _disposed;

        public void Dispose()
        {
            // A reload the timer already started sees this and stops before it uses the host's services.
            _disposed = true;
            _watch?.Dispose();
            _settle?.Dispose();
            _files?.Dispose();
        }

        [LoggerMessage(EventId = EventIds.ConfigReloadRejected, EventName = nameof(EventIds.ConfigReloadRejected), Level = LogLevel.Error,
            Message = "{File} changed but was not applied; the previous configuration stays in force. {Count} problem(s):\n{Problems}")]
        private static partial void Rejected(ILogger logger, string file, int count, string problems);

        [LoggerMessage(EventId = EventIds.ConfigReloaded, EventName = nameof(EventIds.ConfigReloaded), Level = LogLevel.Information,
            Message = "{File} changed; the new configuration is in force{AtStart}")]
        private static partial void Reloaded(ILogger logger, string file, string atStart);
    }
}
