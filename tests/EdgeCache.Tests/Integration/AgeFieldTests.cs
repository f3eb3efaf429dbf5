using EdgeCache.Tests.Infrastructure;

namespace EdgeCache.Tests.Integration;

/// <summary>RFC 9111 5.1 through EdgeCache: the first <c>Age</c> counts; an invalid one makes the answer stale.</summary>
public sealed class AgeFieldTests : IAsyncLifetime
{
    private TestOrigin _origin = null!;

    public async Task InitializeAsync() => _origin = await TestOrigin.StartAsync();

    public async Task DisposeAsync() => await _origin.DisposeAsync();

    private static string CacheStatus(HttpResponseMessage response) => string.Join(", ", response.Headers.GetValues("Cache-Status"));

    [Theory]
    [InlineData("-5")]
    [InlineData("soon")]
    public async Task InvalidAge_NextReaderRevalidates(string age)
    {
        _origin.RespondWith("page", ("Cache-Control", "max-age=600"), ("ETag", "\"v1\""), ("Age", age));
        await using var proxy = await TestProxy.StartAsync(_origin.Address);

        await proxy.Client.GetAsync("/aged");
        using var second = await proxy.Client.GetAsync("/aged");

        Assert.Equal("page", await second.Content.ReadAsStringAsync());
        Assert.Contains("fwd=stale", CacheStatus(second));
        Assert.Equal("\"v1\"", _origin.Requests.Last().Headers.GetValueOrDefault("If-None-Match"));
    }

    [Fact]
    public async Task TwoAgeLines_TheFirstCounts()
    {
        // 700 s old against max-age=600: stale on arrival. Read as one list "700, 30" it was invalid and taken as 0.
        _origin.RespondWith("page", ("Cache-Control", "max-age=600"), ("ETag", "\"v1\""), ("Age", "700"), ("Age", "30"));
        await using var proxy = await TestProxy.StartAsync(_origin.Address);

        await proxy.Client.GetAsync("/old");
        using var second = await proxy.Client.GetAsync("/old");

        Assert.Contains("fwd=stale", CacheStatus(second));
        Assert.Equal(2, _origin.CountFor("/old"));
    }

    [Fact]
    public async Task ValidAge_CountsAndTheCopyIsAHit()
    {
        _origin.RespondWith("page", ("Cache-Control", "max-age=600"), ("Age", "100"));
        await using var proxy = await TestProxy.StartAsync(_origin.Address);

        await proxy.Client.GetAsync("/young");
        using var second = await proxy.Client.GetAsync("/young");

        Assert.StartsWith("EdgeCache; hit", CacheStatus(second));
        Assert.True(second.Headers.Age >= TimeSpan.FromSeconds(100), $"Age {second.Headers.Age}");
    }
}
