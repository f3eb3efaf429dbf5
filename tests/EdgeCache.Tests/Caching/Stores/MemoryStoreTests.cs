using Microsoft.Extensions.Time.Testing;
using EdgeCache.Caching.Entries;
using EdgeCache.Caching.Stores;
using EdgeCache.Tests.Infrastructure;

namespace EdgeCache.Tests.Caching.Stores;

public sealed class MemoryStoreTests
{
    private static CacheEntry Entry(string key, int bodyBytes) => new() { Key = key, StatusCode = 200, Body = new byte[bodyBytes] };

    [Fact]
    public async Task SetAsync_OverBound_EvictsLeastRecentlyUsed()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var store = new MemoryStore(new MemoryStoreOptions { MaxBytes = 3 * (1000 + 300) }, clock);
        await store.SetAsync(Entry("a", 1000), default);
        await store.SetAsync(Entry("b", 1000), default);
        await store.SetAsync(Entry("c", 1000), default);
        clock.Advance(MemoryStore.PromotionInterval);
        await store.GetAsync("a", default); // a is now more recent than b

        await store.SetAsync(Entry("d", 1000), default);

        Assert.NotNull(await store.GetAsync("a", default));
        Assert.Null(await store.GetAsync("b", default));
        Assert.NotNull(await store.GetAsync("d", default));
        Assert.Equal(1, store.Evictions);
        Assert.True(store.Bytes <= 3 * 1300);
    }

    [Fact]
    public async Task SetAsync_EntryLargerThanBound_NotStored()
    {
        var store = new MemoryStore(new MemoryStoreOptions { MaxBytes = 500 });

        await store.SetAsync(Entry("big", 1000), default);

        Assert.Null(await store.GetAsync("big", default));
        Assert.Equal(0, store.Bytes);
    }

    [Fact]
    public async Task SetAsync_SameKey_ReplacesAndAccountsOnce()
    {
        var store = new MemoryStore(new MemoryStoreOptions { MaxBytes = 100_000 });
        await store.SetAsync(Entry("a", 1000), default);
        var before = store.Bytes;

        await store.SetAsync(Entry("a", 1000), default);

        Assert.Equal(before, store.Bytes);
        Assert.Equal(1, store.Count);
    }

    [Fact]
    public async Task GetAsync_WithinPromotionInterval_KeepsInsertionOrder()
    {
        // Like Varnish's lru_interval: a hit right after the entry was stored or promoted does not
        // take the list's lock, so eviction follows insertion order within the interval.
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var store = new MemoryStore(new MemoryStoreOptions { MaxBytes = 2 * (1000 + 300) }, clock);
        await store.SetAsync(Entry("a", 1000), default);
        await store.SetAsync(Entry("b", 1000), default);
        await store.GetAsync("a", default);

        await store.SetAsync(Entry("c", 1000), default);

        Assert.Null(await store.GetAsync("a", default));
        Assert.NotNull(await store.GetAsync("b", default));
        Assert.NotNull(await store.GetAsync("c", default));
    }

    [Fact]
    public async Task PurgeAsync_Soft_KeepsEntryMarkedStaleAndAccountsOnce()
    {
        var store = new MemoryStore(new MemoryStoreOptions { MaxBytes = 100_000 });
        await store.SetAsync(Entry("GET http://a/x", 1000) with { FreshnessLifetime = TimeSpan.FromHours(1), ResponseTime = DateTimeOffset.UtcNow }, default);
        var before = store.Bytes;

        var purged = await store.PurgeAsync(new PurgeRequest(PurgeKind.Url, "GET http://a/x", Soft: true), default);

        Assert.Equal(1, purged);
        var entry = await store.GetAsync("GET http://a/x", default);
        Assert.NotNull(entry);
        Assert.True(entry.TimeToLive(DateTimeOffset.UtcNow) <= TimeSpan.Zero);
        Assert.Equal(before, store.Bytes);
        Assert.Equal(1, store.Count);
    }

    [Fact]
    public async Task PurgeAsync_Url_ItsEntryAndVariantsOnly_BytesBackToZero()
    {
        var store = new MemoryStore(new MemoryStoreOptions { MaxBytes = 100_000 });
        string[] purged = ["GET http://a/x", "GET http://a/x\nv:accept-language=en", "GET http://a/x\nv:accept-language=fr"];
        string[] kept = ["GET http://a/xy", "GET http://a/xy\nv:accept-language=en", "GET http://a/\nv:accept-language=en"];
        foreach (var key in purged.Concat(kept))
        {
            await store.SetAsync(Entry(key, 100), default);
        }

        Assert.Equal(3, await store.PurgeAsync(new PurgeRequest(PurgeKind.Url, "GET http://a/x", Soft: false), default));

        Assert.All(purged, key => Assert.Null(store.Peek(key)));
        Assert.All(kept, key => Assert.NotNull(store.Peek(key)));
        foreach (var key in kept)
        {
            await store.RemoveAsync(key, default);
        }
        Assert.Equal(0, store.Bytes);
        Assert.Equal(0, store.Count);
    }

    [Fact]
    public async Task Evicted_VariantIndexAccounted_BoundHolds()
    {
        var store = new MemoryStore(new MemoryStoreOptions { MaxBytes = 20_000 });
        for (var i = 0; i < 1_000; i++)
        {
            await store.SetAsync(Entry("GET http://h/p" + i + "\nv:accept-language=en", 10), default);
            Assert.True(store.Bytes <= 20_000, $"{store.Bytes} bytes");
        }
        store.Clear();
        Assert.Equal(0, store.Bytes);
    }
}
