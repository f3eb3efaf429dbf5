using System.Diagnostics;
using System.Net;
using EdgeCache.Caching.Stores;
using EdgeCache.Tests.Infrastructure;

namespace EdgeCache.Tests.Integration;

/// <summary>
/// A Redis Cluster master dies (no replica to take over): readers of both nodes keep getting
/// every page, from memory where a node has it, else from the origin; nothing hangs.
/// </summary>
public sealed class RedisClusterShardLossTests : IAsyncLifetime
{
    private RedisCluster _cluster = null!;
    private TestOrigin _origin = null!;
    private TestProxy _a = null!;
    private TestProxy _b = null!;

    public async Task InitializeAsync()
    {
        _cluster = await RedisCluster.StartAsync();
        _origin = await TestOrigin.StartAsync();
        _origin.Respond(context => _origin.Answer(context, "page " + context.Request.Path, ("Cache-Control", "public, max-age=600")));
        _a = await StartNode();
        _b = await StartNode();
    }

    private Task<TestProxy> StartNode() => TestProxy.StartAsync(_origin.Address, extraArgs: ["--redis", _cluster.Configuration]);

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
        await _origin.DisposeAsync();
        await _cluster.DisposeAsync();
    }

    [Fact]
    public async Task OneMasterKilled_EveryReaderStillAnswered_MemoryHitsStayHits()
    {
        var paths = Enumerable.Range(0, 30).Select(i => $"/article/{i}").ToArray();
        foreach (var path in paths)
        {
            await _a.Client.GetStringAsync(path);
        }
        await _a.Get<TieredStore>().FlushAsync();
        var fromRedisBefore = 0;
        foreach (var path in paths.Take(10))
        {
            using var response = await _b.Client.GetAsync(path); // B reads these from the cluster
            fromRedisBefore += CacheStatus(response).StartsWith("EdgeCache; hit", StringComparison.Ordinal) ? 1 : 0;
        }
        Assert.Equal(10, fromRedisBefore);

        await _cluster.Nodes[0].KillAsync();

        var watch = Stopwatch.StartNew();
        for (var round = 0; round < 2; round++)
        {
            foreach (var path in paths)
            {
                foreach (var node in new[] { _a, _b })
                {
                    using var response = await node.Client.GetAsync(path);
                    Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                    Assert.Equal("page " + path, await response.Content.ReadAsStringAsync());
                    if (node == _a)
                    {
                        Assert.StartsWith("EdgeCache; hit", CacheStatus(response)); // A's memory tier holds them all
                    }
                }
            }
        }
        // 120 answers; a reader never waits for the dead shard beyond the tier's timeout.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"120 answers took {watch.Elapsed}");
    }
}
