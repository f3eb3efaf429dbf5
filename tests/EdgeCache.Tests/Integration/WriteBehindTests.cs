using EdgeCache.Caching.Entries;
using EdgeCache.Caching.Stores;
using EdgeCache.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EdgeCache.Tests.Integration;

/// <summary>
/// Respond first, persist afterwards: EdgeCache on a real port with its real disk tier behind a
/// gate that holds every disk write until the test opens it (a slow or stalled device).
/// </summary>
public sealed class WriteBehindTests : IAsyncLifetime
{
    private TestOrigin _origin = null!;

    public async Task InitializeAsync()
    {
        _origin = await TestOrigin.StartAsync();
        _origin.Respond(context => _origin.Answer(context, "page " + context.Request.Path, ("Cache-Control", "public, max-age=600")));
    }

    public async Task DisposeAsync() => await _origin.DisposeAsync();

    /// <summary>The disk tier, with writes held until <see cref="Open"/>.</summary>
    private sealed class GatedDisk(DiskStore disk) : ICacheStore
    {
        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public string Name => disk.Name;
        public void Open() => _gate.TrySetResult();
        public ValueTask<CacheEntry?> GetAsync(string key, CancellationToken cancellationToken) => disk.GetAsync(key, cancellationToken);
        public async ValueTask SetAsync(CacheEntry entry, CancellationToken cancellationToken)
        {
            await _gate.Task;
            await disk.SetAsync(entry, cancellationToken);
        }
        public ValueTask RemoveAsync(string key, CancellationToken cancellationToken) => disk.RemoveAsync(key, cancellationToken);
        public ValueTask<int> PurgeAsync(PurgeRequest request, CancellationToken cancellationToken) => disk.PurgeAsync(request, cancellationToken);
    }

    private GatedDisk? _disk;

    private GatedDisk Disk => _disk ?? throw new InvalidOperationException("the proxy has not resolved its store yet");

    /// <summary>EdgeCache whose disk tier is the gated one, with room for two queued writes.</summary>
    private Task<TestProxy> StartWithGatedDisk() => TestProxy.StartAsync(_origin.Address, services =>
        services.AddSingleton(sp => new TieredStore(sp.GetRequiredService<MemoryStore>(), _disk = new GatedDisk(sp.GetRequiredService<DiskStore>()),
            sp.GetRequiredService<ILogger<TieredStore>>(), queueLength: 2)));

    private static string[] FilesIn(TestProxy proxy) => Directory.GetFiles(proxy.CacheDir, "*.ece", SearchOption.AllDirectories);

    [Fact]
    public async Task Miss_DiskStalled_AnsweredBeforeTheEntryReachesDisk()
    {
        await using var proxy = await StartWithGatedDisk();

        var miss = await proxy.Client.GetAsync("/a");
        var hit = await proxy.Client.GetAsync("/a");

        Assert.Equal("page /a", await miss.Content.ReadAsStringAsync());
        Assert.StartsWith("EdgeCache; hit", string.Join(",", hit.Headers.GetValues("Cache-Status")));
        Assert.Empty(FilesIn(proxy)); // answered, and not on disk yet
        Disk.Open();
        await proxy.Get<TieredStore>().FlushAsync();
        Assert.Single(FilesIn(proxy));
    }

    [Fact]
    public async Task QueueFull_WriteDroppedAndCounted_ReaderNeverWaits()
    {
        await using var proxy = await StartWithGatedDisk();
        var store = proxy.Get<TieredStore>();

        foreach (var path in new[] { "/1", "/2", "/3", "/4", "/5" })
        {
            Assert.Equal("page " + path, await proxy.Client.GetStringAsync(path));
        }

        Assert.True(store.DroppedWrites >= 2, $"dropped {store.DroppedWrites}"); // one being written, two queued, the rest dropped
        Disk.Open();
        await store.FlushAsync();
        Assert.Equal(5 - store.DroppedWrites, FilesIn(proxy).Length);
        Assert.Equal("page /5", await proxy.Client.GetStringAsync("/5")); // still a hit from memory
        Assert.Equal(5, _origin.RequestCount);
    }

    [Fact]
    public async Task PurgeWhileQueued_PurgedPageNeverWrittenBack()
    {
        await using var proxy = await StartWithGatedDisk();
        var store = proxy.Get<TieredStore>();
        await proxy.Client.GetStringAsync("/kept");   // taken by the writer, held at the gate
        await proxy.Client.GetStringAsync("/purged"); // queued behind it

        var purge = store.PurgeAsync(new PurgeRequest(PurgeKind.Url, $"GET http://{TestProxy.PublicHost}/purged", Soft: false), CancellationToken.None).AsTask();
        Assert.False(purge.IsCompleted); // waits for the write in progress, never races it
        Disk.Open();
        await purge;
        await store.FlushAsync();

        var file = Assert.Single(FilesIn(proxy));
        Assert.Contains("/kept", System.Text.Encoding.UTF8.GetString(await File.ReadAllBytesAsync(file)));
        Assert.Null(await store.GetAsync($"GET http://{TestProxy.PublicHost}/purged", CancellationToken.None));
    }

    [Fact]
    public async Task PurgeWhileQueued_ReaderPromotingTheQueuedCopy_StillPurged()
    {
        await using var proxy = await StartWithGatedDisk();
        var store = proxy.Get<TieredStore>();
        await proxy.Client.GetStringAsync("/kept");   // taken by the writer, held at the gate
        await proxy.Client.GetStringAsync("/purged"); // queued behind it
        var purge = store.PurgeAsync(new PurgeRequest(PurgeKind.Url, $"GET http://{TestProxy.PublicHost}/purged", Soft: false), CancellationToken.None).AsTask();

        await proxy.Client.GetStringAsync("/purged"); // while the purge waits: the queued copy, promoted into memory
        Disk.Open();
        await purge;
        var after = await proxy.Client.GetAsync("/purged");

        Assert.StartsWith("EdgeCache; fwd=miss", CacheStatus(after));
        Assert.Equal(3, _origin.RequestCount);
    }

    [Fact]
    public async Task Flush_WhileNewWritesKeepComing_CompletesForTheWritesBeforeIt()
    {
        await using var proxy = await StartWithGatedDisk();
        var store = proxy.Get<TieredStore>();
        await proxy.Client.GetStringAsync("/first");
        var flush = store.FlushAsync();
        Disk.Open();

        for (var i = 0; i < 20 && !flush.IsCompleted; i++)
        {
            await proxy.Client.GetStringAsync($"/later-{i}");
        }

        await flush.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Contains(FilesIn(proxy), file => System.Text.Encoding.UTF8.GetString(File.ReadAllBytes(file)).Contains("/first"));
    }

    [Fact]
    public async Task QueueFull_OlderPersistentCopyRemovedNotServedLater()
    {
        var cacheDir = TempDirectory.Create("edgecache-dropped");
        await using (var first = await TestProxy.StartAsync(_origin.Address, cacheDir))
        {
            await first.Client.GetStringAsync("/v"); // "page /v" on disk
        }
        _origin.Respond(context => _origin.Answer(context, "new " + context.Request.Path, ("Cache-Control", "public, max-age=600")));
        await using var proxy = await TestProxy.StartAsync(_origin.Address, services =>
            services.AddSingleton(sp => new TieredStore(sp.GetRequiredService<MemoryStore>(), _disk = new GatedDisk(sp.GetRequiredService<DiskStore>()),
                sp.GetRequiredService<ILogger<TieredStore>>(), queueLength: 1)), cacheDir,
            extraArgs: "--EdgeCache:Cache:HonourClientCacheControl=true");
        await proxy.Client.GetStringAsync("/a"); // taken by the writer, held at the gate
        await proxy.Client.GetStringAsync("/b"); // fills the queue
        var reload = new HttpRequestMessage(HttpMethod.Get, "/v");
        reload.Headers.CacheControl = new System.Net.Http.Headers.CacheControlHeaderValue { NoCache = true };
        Assert.Equal("new /v", await (await proxy.Client.SendAsync(reload)).Content.ReadAsStringAsync()); // its write is dropped

        Assert.True(proxy.Get<TieredStore>().DroppedWrites >= 1);
        Disk.Open();
        await proxy.Get<TieredStore>().FlushAsync();
        var (entry, _) = await proxy.Get<TieredStore>().PeekAsync($"GET http://{TestProxy.PublicHost}/v", CancellationToken.None);
        Assert.NotEqual("page /v", entry is null ? null : System.Text.Encoding.UTF8.GetString(entry.Body.Span));
        Assert.Null(await proxy.Get<DiskStore>().GetAsync($"GET http://{TestProxy.PublicHost}/v", CancellationToken.None));
    }

    [Fact]
    public async Task Restart_QueuedWritesFlushedOnShutdown_NextNodeStartsWarm()
    {
        var cacheDir = TempDirectory.Create("edgecache-writebehind");
        await using (var first = await TestProxy.StartAsync(_origin.Address, cacheDir))
        {
            await first.Client.GetStringAsync("/warm");
        }

        await using var second = await TestProxy.StartAsync(_origin.Address, cacheDir);
        var response = await second.Client.GetAsync("/warm");

        Assert.StartsWith("EdgeCache; hit", string.Join(",", response.Headers.GetValues("Cache-Status")));
        Assert.Equal(1, _origin.RequestCount);
    }
}
