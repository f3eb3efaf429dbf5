using System.Diagnostics;

namespace EdgeCache.Tests.Infrastructure;

/// <summary>
/// A real three-master Redis Cluster on free loopback ports (no replicas), owned by the test:
/// created with <c>redis-cli --cluster create</c>, a node killed as a crash would, all stopped.
/// </summary>
internal sealed class RedisCluster : IAsyncDisposable
{
    private readonly string _dir;

    private RedisCluster(string dir, IReadOnlyList<RedisServer> nodes)
    {
        _dir = dir;
        Nodes = nodes;
    }

    public IReadOnlyList<RedisServer> Nodes { get; }

    /// <summary>Every master as a seed (one would do: the client discovers the rest).</summary>
    public string Configuration => string.Join(",", Nodes.Select(n => n.Configuration));

    public static async Task<RedisCluster> StartAsync()
    {
        var dir = TempDirectory.Create("edgecache-redis-cluster");
        var nodes = new List<RedisServer>();
        for (var i = 0; i < 3; i++)
        {
            nodes.Add(await RedisServer.StartClusterNodeAsync(dir));
        }
        var cluster = new RedisCluster(dir, nodes);
        await cluster.RunCli(["--cluster", "create", .. nodes.Select(n => n.Configuration), "--cluster-replicas", "0", "--cluster-yes"]);
        await Http.Eventually(async () =>
        {
            foreach (var node in nodes)
            {
                if (!(await cluster.RunCli(["-p", node.Port.ToString(), "cluster", "info"])).Contains("cluster_state:ok", StringComparison.Ordinal))
                {
                    return false;
                }
            }
            return true;
        }, "the Redis Cluster reporting cluster_state:ok on every node", seconds: 30);
        return cluster;
    }

    private async Task<string> RunCli(string[] args)
    {
        var start = new ProcessStartInfo("redis-cli") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-h");
        start.ArgumentList.Add("127.0.0.1");
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException("redis-cli not found; ./test.sh installs redis-server");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"redis-cli {string.Join(' ', args)} exited {process.ExitCode}: {await error}");
        }
        return await output;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes)
        {
            await node.DisposeAsync();
        }
        Directory.Delete(_dir, recursive: true);
    }
}
