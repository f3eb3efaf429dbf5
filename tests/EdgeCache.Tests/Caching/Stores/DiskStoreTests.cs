using Microsoft.Extensions.Time.Testing;
using EdgeCache.Caching.Entries;
using EdgeCache.Caching.Stores;
using EdgeCache.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeCache.Tests.Caching.Stores;

public sealed class DiskStoreTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    private static CacheEntry Entry(string key, int bodyBytes = 100, TimeSpan? lifetime = null) => new()
    {
        Key = key,
        StatusCode = 200,
        Body = new byte[bodyBytes],
        ResponseTime = Now,
        FreshnessLifetime = lifetime ?? TimeSpan.FromHours(1),
    };

    private static DiskStore Open(string path, long maxBytes = 1 << 30, TimeProvider? clock = null) =>
        new(new DiskStoreOptions { Path = path, MaxBytes = maxBytes }, clock ?? new FakeTimeProvider(Now), NullLogger<DiskStore>.Instance);

    [Fact]
    public async Task GetAsync_AfterReopen_ReturnsStoredEntry()
    {
        var path = TempDirectory.Create("disk");
        using (var store = Open(path))
        {
            await store.SetAsync(Entry("k"), default);
        }

        using var reopened = Open(path);
        await reopened.ScanCompletion;

        Assert.Equal(1, reopened.Count);
        Assert.Equal("k", (await reopened.GetAsync("k", default))?.Key);
    }

    [Fact]
    public async Task Scan_LeftoverTempFileAndDeadEntry_Removed()
    {
        var path = TempDirectory.Create("disk");
        using (var store = Open(path))
        {
            await store.SetAsync(Entry("dead", lifetime: TimeSpan.FromSeconds(1)), default);
            var temp = store.PathFor("x") + ".tmp-123";
            Directory.CreateDirectory(Path.GetDirectoryName(temp)!);
            await File.WriteAllTextAsync(temp, "half written");
            File.SetLastWriteTimeUtc(temp, DateTime.UtcNow.AddMinutes(-5));
        }

        var later = new FakeTimeProvider(Now.AddDays(2));
        using var reopened = Open(path, clock: later);
        await reopened.ScanCompletion;

        Assert.Empty(Directory.GetFiles(path, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task SetAsync_OverBound_EvictsOldest()
    {
        var path = TempDirectory.Create("disk");
        var clock = new FakeTimeProvider(Now);
        using var store = Open(path, maxBytes: 5_000, clock: clock);
        await store.ScanCompletion;
        for (var i = 0; i < 10; i++)
        {
            await store.SetAsync(Entry($"k{i}", 900), default);
            clock.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.True(store.Bytes <= 5_000);
        Assert.True(store.Evictions > 0);
        Assert.Null(await store.GetAsync("k0", default));
        Assert.NotNull(await store.GetAsync("k9", default));
    }
}
