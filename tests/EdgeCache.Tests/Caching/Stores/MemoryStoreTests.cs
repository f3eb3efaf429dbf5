using EdgeCache.Caching.Entries;
using EdgeCache.Caching.Stores;

namespace EdgeCache.Tests.Caching.Stores;

public sealed class MemoryStoreTests
{
    private static CacheEntry Entry(string key, int bodyBytes) => new() { Key = key, StatusCode = 200, Body = new byte[bodyBytes] };

    [Fact]
    public async Task SetAsync_OverBound_EvictsLeastRecentlyUsed()
    {
        var store = new MemoryStore(new MemoryStoreOptions { MaxBytes = 3 * (1000 + 300) });
        await store.SetAsync(Entry("a", 1000), default);
        await store.SetAsync(Entry("b", 1000), default);
        await store.SetAsync(Entry("c", 1000), default);
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
}
