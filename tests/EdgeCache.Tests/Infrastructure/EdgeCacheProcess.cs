using System.Diagnostics;
using System.Text;

namespace EdgeCache.Tests.Infrastructure;

/// <summary>
/// EdgeCache as its own process (<c>dotnet EdgeCache.dll</c> from the test's folder), for what is
/// read process-wide (environment variables) and must not leak into other tests. Killed on dispose.
/// </summary>
internal sealed class EdgeCacheProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private EdgeCacheProcess(Process process) => _process = process;

    public static EdgeCacheProcess Start(IEnumerable<string> args, IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "EdgeCache.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }
        var running = new EdgeCacheProcess(Process.Start(start) ?? throw new InvalidOperationException("dotnet could not be started"));
        running._process.OutputDataReceived += (_, e) => running.Append(e.Data);
        running._process.ErrorDataReceived += (_, e) => running.Append(e.Data);
        running._process.BeginOutputReadLine();
        running._process.BeginErrorReadLine();
        return running;
    }

    private void Append(string? line)
    {
        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    /// <summary>Everything it printed so far (for a failing test's message).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
