using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using EdgeCache.Tests.Infrastructure;

namespace EdgeCache.Tests.Integration;

/// <summary>
/// A backup origin (another region, a static mirror): asked only while every primary is down;
/// primaries → backups → stale copy → friendly page; back to the primary when it returns.
/// </summary>
public sealed class BackupOriginTests : IAsyncLifetime
{
    private static readonly TimeSpan ProbeInterval = TimeSpan.FromMilliseconds(500);
    private TestOrigin _primary = null!;
    private TestOrigin _backup = null!;
    private TestProxy _proxy = null!;

    public async Task InitializeAsync()
    {
        _primary = await TestOrigin.StartAsync();
        _backup = await TestOrigin.StartAsync();
        // Stored pages are always revalidated, and may stand in for a failed origin for 10 min.
        _primary.RespondWith("from the primary", ("Cache-Control", "public, max-age=0, stale-if-error=600"));
        _backup.RespondWith("from the backup", ("Cache-Control", "public, max-age=60"));
        _proxy = await TestProxy.StartAsync(_primary.Address, extraArgs:
        [
            "--backup-origin", _backup.Address.ToString(),
            "--EdgeCache:HealthInterval=" + ProbeInterval.ToString("c"),
            "--EdgeCache:HealthTimeout=00:00:00.500",
        ]);
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _primary.DisposeAsync();
        await _backup.DisposeAsync();
    }

    /// <param name="management">The management listener's page, which says why an origin is down (the public one does not).</param>
    private async Task<JsonElement> Site(bool management = false)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, management ? "/status" : "/_edge/status");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var response = await (management ? _proxy.Management : _proxy.Client).SendAsync(request);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("sites")[0];
    }

    private async Task<double> Metric(string series)
    {
        var line = (await _proxy.Management.GetStringAsync("/metrics")).Split('\n').Single(l => l.StartsWith(series + " ", StringComparison.Ordinal));
        return double.Parse(line[(series.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task PrimaryUp_BackupNeverAsked()
    {
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal("from the primary", await _proxy.Client.GetStringAsync($"/page-{i}"));
        }
        using var post = await _proxy.Client.PostAsync("/form", new StringContent("x"));
        Assert.Equal("from the primary", await post.Content.ReadAsStringAsync());

        Assert.Equal(0, _backup.RequestCount);
        Assert.False((await Site()).GetProperty("onBackup").GetBoolean());
    }

    [Fact]
    public async Task PrimaryRefusing_BackupAnswersFresh_ThenBothDown_StaleAndFriendlyPage_ThenPrimaryBack()
    {
        Assert.Equal("from the primary", await _proxy.Client.GetStringAsync("/stored"));
        await _primary.StopAsync();

        // At once, before the health model noticed: a refused connection reached nothing, so the
        // same request goes to the backup (GET and a body-less POST alike).
        Assert.Equal("from the backup", await _proxy.Client.GetStringAsync("/right-away"));
        using (var post = await _proxy.Client.PostAsync("/right-away-form", null))
        {
            Assert.Equal("from the backup", await post.Content.ReadAsStringAsync());
        }

        // Primary refusing: the backup answers uncached pages, fresh and stored, and says so.
        await Eventually(async () => (await Site()).GetProperty("onBackup").GetBoolean(), "the site on its backup", 10);
        using (var fromBackup = await _proxy.Client.GetAsync("/new-article"))
        {
            Assert.Equal(HttpStatusCode.OK, fromBackup.StatusCode);
            Assert.Equal("from the backup", await fromBackup.Content.ReadAsStringAsync());
            Assert.Matches("^EdgeCache; fwd=miss; stored; ttl=(59|60); origin=backup$", CacheStatus(fromBackup));
        }
        using (var post = await _proxy.Client.PostAsync("/form", new StringContent("x")))
        {
            Assert.Equal(HttpStatusCode.OK, post.StatusCode);
            Assert.Equal("EdgeCache; fwd=method; origin=backup", CacheStatus(post));
        }
        Assert.Equal(1, await Metric("edgecache_on_backup{site=\"origin\"}"));
        var site = await Site(management: true);
        Assert.False(site.GetProperty("degraded").GetBoolean());
        Assert.Contains(site.GetProperty("origins").EnumerateArray(),
            o => o.GetProperty("name").GetString() == "origin" && !o.GetProperty("up").GetBoolean() && o.GetProperty("reason").GetString()!.Length > 0);

        // Both down: stored copies, and the friendly page for the rest.
        await _backup.StopAsync();
        await Eventually(async () => (await Site()).GetProperty("degraded").GetBoolean(), "the site degraded", 10);
        using (var stale = await _proxy.Client.GetAsync("/stored"))
        {
            Assert.Equal("from the primary", await stale.Content.ReadAsStringAsync());
            Assert.Contains("fwd=stale", CacheStatus(stale));
            Assert.Contains("detail=origin-down", CacheStatus(stale));
        }
        using (var uncached = await _proxy.Client.GetAsync("/never-stored"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, uncached.StatusCode);
        }

        // The primary is back: requests return to it within two probe intervals.
        await _primary.RestartAsync();
        var back = Stopwatch.StartNew();
        await Eventually(async () =>
        {
            using var response = await _proxy.Client.GetAsync($"/after-{Guid.NewGuid():N}");
            return await response.Content.ReadAsStringAsync() == "from the primary";
        }, "a page from the primary again", 10);
        Assert.True(back.Elapsed < 2 * ProbeInterval + TimeSpan.FromSeconds(1), $"back on the primary after {back.Elapsed}");
        Assert.False((await Site()).GetProperty("onBackup").GetBoolean());
        Assert.Equal(0, await Metric("edgecache_on_backup{site=\"origin\"}"));
    }
}
