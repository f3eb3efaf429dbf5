using System.Net.Http.Headers;
using EdgeCache.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace EdgeCache.Tests.Integration;

/// <summary>
/// RFC 9111 3.5 through a real EdgeCache, in front of an origin whose answer names the reader
/// from their <c>Authorization</c>: requests with credentials use the cache, but an answer to one
/// reaches another reader only when the origin marked it shareable (<c>public</c>,
/// <c>s-maxage</c>, <c>must-revalidate</c>).
/// </summary>
public sealed class AuthorizationSharingTests : IAsyncLifetime
{
    private TestOrigin _origin = null!;

    public async Task InitializeAsync() => _origin = await TestOrigin.StartAsync();

    public async Task DisposeAsync() => await _origin.DisposeAsync();

    /// <summary>"page for USER", USER from the bearer token (anonymous without one), with <paramref name="headers"/>.</summary>
    private void ServePagesPerUser(TimeSpan delay, params (string Name, string Value)[] headers) =>
        _origin.Respond(async context =>
        {
            var authorization = context.Request.Headers.Authorization.ToString();
            var user = authorization.StartsWith("Bearer ", StringComparison.Ordinal) ? authorization["Bearer ".Length..] : "anonymous";
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay);
            }
            foreach (var (name, value) in headers)
            {
                context.Response.Headers.Append(name, value);
            }
            await context.Response.WriteAsync("page for " + user);
        });

    private static async Task<(string Body, string CacheStatus)> GetAs(TestProxy proxy, string path, string? user)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (user is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", user);
        }
        var response = await proxy.Client.SendAsync(request);
        return (await response.Content.ReadAsStringAsync(), CacheStatus(response));
    }

    [Theory]
    [InlineData("public, max-age=60")]
    [InlineData("s-maxage=60")]
    [InlineData("must-revalidate, max-age=60")]
    public async Task MarkedShareable_StoredAndSharedForTheSameUrl(string cacheControl)
    {
        ServePagesPerUser(TimeSpan.Zero, ("Cache-Control", cacheControl));
        await using var proxy = await TestProxy.StartAsync(_origin.Address);

        var alice = await GetAs(proxy, "/catalogue", "alice");
        var bob = await GetAs(proxy, "/catalogue", "bob");
        var anonymous = await GetAs(proxy, "/catalogue", null);

        Assert.StartsWith("EdgeCache; fwd=miss; stored", alice.CacheStatus);
        Assert.Equal(("page for alice", "page for alice"), (bob.Body, anonymous.Body));
        Assert.StartsWith("EdgeCache; hit", bob.CacheStatus);
        Assert.Equal(1, _origin.CountFor("/catalogue"));
    }

    [Fact]
    public async Task PublicInCdnCacheControl_Shared()
    {
        ServePagesPerUser(TimeSpan.Zero, ("Cache-Control", "private, no-store"), ("CDN-Cache-Control", "public, max-age=60"));
        await using var proxy = await TestProxy.StartAsync(_origin.Address);

        await GetAs(proxy, "/catalogue", "alice");
        var bob = await GetAs(proxy, "/catalogue", "bob");

        Assert.Equal("page for alice", bob.Body);
        Assert.Equal(1, _origin.CountFor("/catalogue"));
    }

    /// <summary>Caching headers of a private answer, as origins send them, none marking it shareable.</summary>
    public static TheoryData<string[]> PrivateAnswers() =>
    [
        [],
        ["Cache-Control", "max-age=60"],
        ["Cache-Control", "max-age=60, stale-if-error=600, stale-while-revalidate=600"],
        ["Cache-Control", "no-cache, max-age=60"],
        ["Last-Modified", "Mon, 02 Nov 2026 10:00:00 GMT"],
        ["ETag", "\"same-for-everyone\""],
        ["Expires", "Fri, 31 Dec 2099 23:59:59 GMT"],
        ["CDN-Cache-Control", "max-age=60"],
        ["CDN-Cache-Control", "public, max-age=60, private"],
    ];

    [Theory]
    [MemberData(nameof(PrivateAnswers))]
    public async Task NotMarkedShareable_NeverServedToAnotherUserNorAnAnonymousReader(string[] header)
    {
        ServePagesPerUser(TimeSpan.Zero, header.Length == 0 ? [] : [(header[0], header[1])]);
        await using var proxy = await TestProxy.StartAsync(_origin.Address);

        var answers = new List<(string Reader, string Body)>();
        foreach (var reader in new[] { "alice", "bob", null, "alice", null, "bob", null })
        {
            answers.Add((reader ?? "anonymous", (await GetAs(proxy, "/account", reader)).Body));
        }
        await proxy.Get<EdgeCache.Caching.Stores.TieredStore>().FlushAsync();

        // A reader with credentials may be given what anonymous readers get (the origin made that
        // shareable); never another user's page, and nobody ever gets alice's or bob's.
        Assert.All(answers, answer => Assert.Contains(answer.Body, new[] { "page for " + answer.Reader, "page for anonymous" }));
        Assert.All(answers.Where(a => a.Reader == "anonymous"), answer => Assert.Equal("page for anonymous", answer.Body));
        Assert.Equal(("page for alice", "page for bob"), (answers[0].Body, answers[1].Body));
        Assert.DoesNotContain(Directory.EnumerateFiles(proxy.CacheDir, "*", SearchOption.AllDirectories),
            file => File.ReadAllText(file) is var text && (text.Contains("page for alice") || text.Contains("page for bob")));
    }

    [Fact]
    public async Task NotMarkedShareable_TwentyConcurrentUsers_EveryReaderGetsOnlyTheirOwnPage()
    {
        // The users' pages say max-age=60 without public: for them alone. The anonymous page is
        // private too, so every reader must get exactly their own page, coalesced or not.
        _origin.Respond(async context =>
        {
            var authorization = context.Request.Headers.Authorization.ToString();
            await Task.Delay(200);
            context.Response.Headers.CacheControl = authorization.Length > 0 ? "max-age=60" : "private, max-age=60";
            await context.Response.WriteAsync("page for " + (authorization.Length > 0 ? authorization["Bearer ".Length..] : "anonymous"));
        });
        await using var proxy = await TestProxy.StartAsync(_origin.Address);

        var readers = Enumerable.Range(0, 20).Select(async i =>
        {
            var user = i % 5 == 0 ? null : $"user{i:00}";
            var foreign = 0;
            for (var round = 0; round < 3; round++)
            {
                if ((await GetAs(proxy, "/account", user)).Body != "page for " + (user ?? "anonymous"))
                {
                    foreign++;
                }
            }
            return foreign;
        });

        Assert.Equal(0, (await Task.WhenAll(readers)).Sum());
        Assert.Equal(60, _origin.CountFor("/account"));
    }

    [Fact]
    public async Task SharedCopyRevalidatedForAnAuthorizedReader_KeptForEveryoneElse()
    {
        // The 304 confirms the shared copy to alice, but her Authorization does not make it hers:
        // it is neither taken over nor removed.
        var clock = new HostClock();
        _origin.Clock = clock;
        _origin.RespondWith("page", ("Cache-Control", "max-age=10"), ("ETag", "\"v1\""));
        await using var proxy = await TestProxy.StartAsync(_origin.Address, clock: clock);
        await GetAs(proxy, "/news", null);
        clock.Advance(TimeSpan.FromSeconds(25)); // past max-age and the default 10 s grace

        var alice = await GetAs(proxy, "/news", "alice");
        var anonymous = await GetAs(proxy, "/news", null);

        Assert.Equal("page", alice.Body);
        Assert.StartsWith("EdgeCache; fwd=stale; fwd-status=304; detail=authorization", alice.CacheStatus);
        Assert.StartsWith("EdgeCache; fwd=stale; fwd-status=304; stored", anonymous.CacheStatus);
    }
}
