using Microsoft.Extensions.Time.Testing;
using EdgeCache.Caching.Fetching;
using EdgeCache.Caching;
using EdgeCache.Caching.Entries;
using EdgeCache.Origin;
using EdgeCache.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace EdgeCache.Tests.Caching.Fetching;

public sealed class FetchCoordinatorTests
{
    private static FetchResult Result(FetchKind kind) => new(kind, new CacheEntry { Key = "k" },
        new OriginResponse(OriginOutcome.Response, 200, new HeaderDictionary(), default, default, default), kind.ToString());

    [Fact]
    public async Task Run_ConcurrentCallers_ShareOneFetch()
    {
        var coordinator = new FetchCoordinator(new FakeTimeProvider(DateTimeOffset.UtcNow));
        var release = new TaskCompletionSource<FetchResult>();
        var fetches = 0;

        var first = coordinator.Run("k", () => { fetches++; return release.Task; }, credentialed: false, out var firstLeads);
        var second = coordinator.Run("k", () => { fetches++; return release.Task; }, credentialed: false, out var secondLeads);
        release.SetResult(Result(FetchKind.Stored));
        await Task.WhenAll(first, second);

        Assert.True(firstLeads);
        Assert.False(secondLeads);
        Assert.Equal(1, fetches);
    }

    [Fact]
    public async Task Run_KeyLastFoundUnshareable_CallersFetchSideBySide()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var coordinator = new FetchCoordinator(clock);
        await coordinator.Run("k", () => Task.FromResult(Result(FetchKind.Uncacheable)), credentialed: false, out _);
        var release = new TaskCompletionSource<FetchResult>();

        var first = coordinator.Run("k", () => release.Task, credentialed: false, out var firstLeads);
        var second = coordinator.Run("k", () => release.Task, credentialed: false, out var secondLeads);
        release.SetResult(Result(FetchKind.Uncacheable));
        await Task.WhenAll(first, second);

        Assert.True(firstLeads);
        Assert.True(secondLeads);
    }

    [Fact]
    public async Task Run_UnshareableMarkExpiredOrStoredSince_CoalescesAgain()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var coordinator = new FetchCoordinator(clock);
        await coordinator.Run("expires", () => Task.FromResult(Result(FetchKind.Uncacheable)), credentialed: false, out _);
        await coordinator.Run("stored", () => Task.FromResult(Result(FetchKind.Uncacheable)), credentialed: false, out _);
        await coordinator.Run("stored", () => Task.FromResult(Result(FetchKind.Stored)), credentialed: false, out _);
        clock.Advance(FetchCoordinator.UnshareableFor + TimeSpan.FromSeconds(1));
        var release = new TaskCompletionSource<FetchResult>();

        foreach (var key in new[] { "expires", "stored" })
        {
            _ = coordinator.Run(key, () => release.Task, credentialed: false, out var leads);
            _ = coordinator.Run(key, () => release.Task, credentialed: false, out var joins);
            Assert.True(leads);
            Assert.False(joins);
        }
        release.SetResult(Result(FetchKind.Stored));
    }

    [Fact]
    public async Task Run_UnshareableForCookieReader_AnonymousReadersStillCoalesce()
    {
        var coordinator = new FetchCoordinator(new FakeTimeProvider(DateTimeOffset.UtcNow));
        await coordinator.Run("k", () => Task.FromResult(Result(FetchKind.Uncacheable)), credentialed: true, out _);
        var release = new TaskCompletionSource<FetchResult>();

        _ = coordinator.Run("k", () => release.Task, credentialed: true, out var cookieReaderLeads);
        _ = coordinator.Run("k", () => release.Task, credentialed: false, out var anonymousLeads);
        _ = coordinator.Run("k", () => release.Task, credentialed: false, out var anonymousLeadsToo);

        Assert.True(cookieReaderLeads); // fetches alone
        Assert.True(anonymousLeads);    // coalesces as before
        Assert.False(anonymousLeadsToo);
        release.SetResult(Result(FetchKind.Stored));
    }

    [Fact]
    public async Task TryStart_BackgroundRefreshFindsUnshareable_KeyStillCoalesces()
    {
        var coordinator = new FetchCoordinator(new FakeTimeProvider(DateTimeOffset.UtcNow));
        var done = new TaskCompletionSource<FetchResult>();
        Assert.True(coordinator.TryStart("k", async () =>
        {
            var result = Result(FetchKind.Uncacheable);
            done.SetResult(result);
            return result;
        }));
        await done.Task;
        Assert.True(SpinWait.SpinUntil(() => coordinator.InFlight == 0, TimeSpan.FromSeconds(5)));
        var release = new TaskCompletionSource<FetchResult>();

        _ = coordinator.Run("k", () => release.Task, credentialed: false, out _);
        _ = coordinator.Run("k", () => release.Task, credentialed: false, out var joins);

        Assert.False(joins);
        release.SetResult(Result(FetchKind.Stored));
    }
}
