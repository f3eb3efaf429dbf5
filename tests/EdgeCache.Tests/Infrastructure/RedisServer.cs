using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace EdgeCache.Tests.Infrastructure;

/// <summary>A real redis-server on a free loopback port, owned by the test: started, killed, restarted, stopped.</summary>
internal sealed class RedisServer : IAsyncDisposable
{
    private readonly string[] _extraArgs;
    private Process? _process;

    private RedisServer(int port, string[] extraArgs)
    {
        Port = port;
        _extraArgs = extraArgs;
    }

    public int Port { get; }

    public string Configuration => $"127.0.0.1:{Port}";

    public static async Task<RedisServer> StartAsync()
    {
        var server = new RedisServer(FreePort(), []);
        await server.RestartAsync();
        return server;
    }

    /// <summary>A replica of <paramref name="primary"/>: it copies every write, and the client reads and writes the primary.</summary>
    public static async Task<RedisServer> StartReplicaAsync(RedisServer primary)
    {
        var server = new RedisServer(FreePort(), ["--replicaof", "127.0.0.1", primary.Port.ToString()]);
        await server.RestartAsync();
        return server;
    }

    /// <summary>A node of a Redis Cluster (its bus on another free port, its cluster state in <paramref name="dir"/>), not yet joined.</summary>
    public static async Task<RedisServer> StartClusterNodeAsync(string dir)
    {
        var port = FreePort();
        var server = new RedisServer(port,
        [
            "--cluster-enabled", "yes", "--cluster-port", FreePort().ToString(), "--dir", dir,
            "--cluster-config-file", $"nodes-{port}.conf", "--cluster-node-timeout", "2000",
        ]);
        await server.RestartAsync();
        return server;
    }

    /// <summary>Starts (again) on the same port, with an empty dataset.</summary>
    public async Task RestartAsync()
    {
        var start = new ProcessStartInfo("redis-server")
        {
            ArgumentList = { "--port", Port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in _extraArgs)
        {
            start.ArgumentList.Add(arg);
        }
        _process = Process.Start(start) ?? throw new InvalidOperationException("redis-server not found; ./test.sh installs it");
        _ = _process.StandardOutput.ReadToEndAsync();
        _ = _process.StandardError.ReadToEndAsync();
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(10))
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }
        throw new TimeoutException($"redis-server did not listen on {Port} within 10 s");
    }

    /// <summary>Pauses the process (SIGSTOP): connections stay open, nothing answers, as a hung server.</summary>
    public Task PauseAsync() => Signal("STOP");

    /// <summary>Resumes a paused process (SIGCONT).</summary>
    public Task ResumeAsync() => Signal("CONT");

    private async Task Signal(string signal)
    {
        using var kill = Process.Start("kill", $"-{signal} {_process!.Id}");
        await kill.WaitForExitAsync();
    }

    /// <summary>Kills the server outright, as a crash would.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process?.Dispose();
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
