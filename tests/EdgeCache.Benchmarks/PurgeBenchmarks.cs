using BenchmarkDotNet.Attributes;
using EdgeCache.Caching.Entries;
using EdgeCache.Caching.Stores;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeCache.Benchmarks;

/// <summary>
/// A URL purge, which every successful unsafe request makes (RFC 9111 4.4, up to three: its
/// target, Location, Content-Location), in a tier holding many entries: through the URL index
/// against a walk of the whole tier (a prefix purge of the same key, the baseline, measured in the
/// same run). The URL is not stored, so nothing is rewritten: what is measured is finding its entries.
/// </summary>
[MemoryDiagnoser]
public class PurgeBenchmarks
{
    [Params("memory", "disk")]
    public string Tier { get; set; } = "";

    private ITierPurge _store = null!;
    private string _folder = "";
    private static readonly PurgeRequest Url = new(PurgeKind.Url, "GET http://h/not-stored", Soft: true);
    private static readonly PurgeRequest Walk = new(PurgeKind.Prefix, "GET http://h/not-stored", Soft: true);

    private interface ITierPurge
    {
        ValueTask<int> PurgeAsync(PurgeRequest request, CancellationToken cancellationToken);
    }

    private sealed class Memory(MemoryStore store) : ITierPurge
    {
        public ValueTask<int> PurgeAsync(PurgeRequest request, CancellationToken cancellationToken) => store.PurgeAsync(request, cancellationToken);
    }

    private sealed class Disk(DiskStore store) : ITierPurge
    {
        public ValueTask<int> PurgeAsync(PurgeRequest request, CancellationToken cancellationToken) => store.PurgeAsync(request, cancellationToken);
    }

    private static CacheEntry Entry(int i) => new()
    {
        Key = "GET http://h/p" + i + (i % 2 == 0 ? "" : "\nv:accept-language=en"),
        StatusCode = 200,
        Body = new byte[16],
        ResponseTime = DateTimeOffset.UtcNow,
        FreshnessLifetime = TimeSpan.FromDays(1),
    };

    [GlobalSetup]
    public async Task Setup()
    {
        if (Tier == "memory")
        {
            var memory = new MemoryStore(new MemoryStoreOptions { MaxBytes = 4L << 30 });
            for (var i = 0; i < 200_000; i++)
            {
                await memory.SetAsync(Entry(i), default);
            }
            _store = new Memory(memory);
            return;
        }
        _folder = Path.Combine(Path.GetTempPath(), "purge-bench-" + Guid.NewGuid().ToString("N"));
        var disk = new DiskStore(new DiskStoreOptions { Path = _folder, MaxBytes = 4L << 30 }, TimeProvider.System, NullLogger<DiskStore>.Instance);
        await disk.ScanCompletion;
        for (var i = 0; i < 20_000; i++)
        {
            await disk.SetAsync(Entry(i), default);
        }
        _store = new Disk(disk);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        if (_folder.Length > 0)
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Benchmark(Baseline = true)]
    public ValueTask<int> WalkEveryEntry() => _store.PurgeAsync(Walk, default);

    [Benchmark]
    public ValueTask<int> UrlPurge() => _store.PurgeAsync(Url, default);
}
