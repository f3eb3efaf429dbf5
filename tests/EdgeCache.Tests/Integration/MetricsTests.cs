using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using EdgeCache.Tests.Infrastructure;

namespace EdgeCache.Tests.Integration;

/// <summary>The /metrics endpoint as an operator's Prometheus sees it.</summary>
public sealed class MetricsTests : IAsyncLifetime
{
    private readonly HostClock _clock = new();
    private TestOrigin _origin = null!;
    private TestProxy _proxy = null!;

    public async Task InitializeAsync()
    {
        _origin = await TestOrigin.StartAsync();
        _origin.Clock = _clock;
        _origin.RespondWith("page", ("Cache-Control", "public, max-age=10, stale-if-error=3600"));
        _proxy = await TestProxy.StartAsync(_origin.Address, clock: _clock, extraArgs:
            ["--EdgeCache:HealthInterval=00:00:00.200", "--EdgeCache:HealthTimeout=00:00:00.200"]);
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _origin.DisposeAsync();
    }

    private async Task<string> ScrapeAsync()
    {
        var response = await _proxy.Management.GetAsync("/metrics");
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        return await response.Content.ReadAsStringAsync();
    }

    private static double Value(string scrape, string series)
    {
        var match = Regex.Match(scrape, "^" + Regex.Escape(series) + " (\\S+)$", RegexOptions.Multiline);
        return match.Success ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
    }

    private const string Site = "origin";

    [Fact]
    public async Task Scrape_UncacheableTooLargeAndBypass_EachCountedUnderItsOwnOutcome()
    {
        _origin.Respond(context => context.Request.Path.Value switch
        {
            "/private" => _origin.Answer(context, "mine", ("Cache-Control", "private, max-age=60")),
            "/large" => _origin.Answer(context, new string('x', 2048), ("Cache-Control", "public, max-age=60")),
            _ => _origin.Answer(context, "posted"),
        });
        await using var proxy = await TestProxy.StartAsync(_origin.Address, extraArgs: "--EdgeCache:Cache:MaxObjectBytes=1024");
        var before = await proxy.Management.GetStringAsync("/metrics");

        await proxy.Client.GetStringAsync("/private");
        await proxy.Client.GetStringAsync("/large");
        await proxy.Client.PostAsync("/form", new StringContent("x"));
        var after = await proxy.Management.GetStringAsync("/metrics");

        double Delta(string outcome) => Value(after, $"edgecache_requests_total{{outcome=\"{outcome}\",site=\"{Site}\"}}")
            - Value(before, $"edgecache_requests_total{{outcome=\"{outcome}\",site=\"{Site}\"}}");
        Assert.Equal((1, 1, 1, 0), (Delta("uncacheable"), Delta("too_large"), Delta("bypass"), Delta("miss")));
    }

    [Fact]
    public async Task Scrape_AfterMissHitOutageStale_CountersMovedByExactlyThat()
    {
        var before = await ScrapeAsync();

        await _proxy.Client.GetStringAsync("/a");                  // miss
        await _proxy.Client.GetStringAsync("/a");                  // hit
        _clock.Advance(TimeSpan.FromSeconds(30));
        await _origin.StopAsync();                                 // origin down
        var stale = await _proxy.Client.GetAsync("/a");            // stale
        var errorPage = await _proxy.Client.GetAsync("/b");        // nothing stored: error page
        var after = await ScrapeAsync();

        Assert.Equal(HttpStatusCode.OK, stale.StatusCode);
        Assert.NotEqual(HttpStatusCode.OK, errorPage.StatusCode);
        double Delta(string series) => Value(after, series) - Value(before, series);
        Assert.Equal(1, Delta($"edgecache_requests_total{{outcome=\"miss\",site=\"{Site}\"}}"));
        Assert.Equal(1, Delta($"edgecache_requests_total{{outcome=\"hit\",site=\"{Site}\"}}"));
        Assert.Equal(1, Delta($"edgecache_requests_total{{outcome=\"stale\",site=\"{Site}\"}}"));
        Assert.Equal(1, Delta($"edgecache_requests_total{{outcome=\"error_page\",site=\"{Site}\"}}"));
        Assert.Equal(1, Delta($"edgecache_stale_served_total{{reason=\"origin-down\",site=\"{Site}\"}}"));
        Assert.Equal(1, Value(after, "edgecache_cache_entries{tier=\"memory\"}"));
        Assert.True(Value(after, $"edgecache_origin_request_duration_seconds_count{{site=\"{Site}\"}}") >= 1);
        Assert.Contains("# TYPE edgecache_requests_total counter", after);
        Assert.Contains("# HELP edgecache_stale_served_total ", after);
        Assert.Contains("kestrel_active_connections", after);
        Assert.Contains("http_server_request_duration_seconds_bucket", after);
        Assert.Contains("process_resident_memory_bytes", after);

        await Eventually(async () => Value(await ScrapeAsync(), $"edgecache_degraded{{site=\"{Site}\"}}") == 1, "edgecache_degraded 1", seconds: 15);
        var degraded = await ScrapeAsync();
        Assert.Equal(1, Value(degraded, $"edgecache_degraded{{site=\"{Site}\"}}"));
        Assert.Equal(0, Value(degraded, $"edgecache_origin_up{{cluster=\"{Site}\",destination=\"origin\"}}"));
    }

    [Fact]
    public async Task RepeatedHits_AnsweredAheadOfRouting_KeepAgeTtlAndSiteCountsExact()
    {
        // The first hit goes through the routed path and teaches the entry its site; later hits are
        // answered before routing. Readers and operators must not be able to tell the difference.
        var before = await ScrapeAsync();
        await _proxy.Client.GetStringAsync("/fast");                // miss
        var hits = new List<HttpResponseMessage>();
        for (var i = 0; i < 3; i++)
        {
            hits.Add(await _proxy.Client.GetAsync("/fast"));
        }
        _clock.Advance(TimeSpan.FromSeconds(4));
        var later = await _proxy.Client.GetAsync("/fast");
        var head = await _proxy.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/fast"));
        var after = await ScrapeAsync();

        static int Ttl(HttpResponseMessage response) =>
            int.Parse(Regex.Match(response.Headers.GetValues("Cache-Status").Single(), "^EdgeCache; hit; ttl=(\\d+)$").Groups[1].Value, CultureInfo.InvariantCulture);
        var ttl = Ttl(hits[0]);
        Assert.InRange(ttl, 9, 10); // max-age=10, a fraction of a second old
        foreach (var hit in hits)
        {
            Assert.Equal(ttl, Ttl(hit));
            Assert.Equal(TimeSpan.Zero, hit.Headers.Age);
            Assert.Equal("page", await hit.Content.ReadAsStringAsync());
        }
        Assert.Equal(ttl - 4, Ttl(later));
        Assert.Equal(TimeSpan.FromSeconds(4), later.Headers.Age);
        Assert.Equal(4, head.Content.Headers.ContentLength);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
        Assert.Equal(1, _origin.CountFor("/fast"));
        double Delta(string series) => Value(after, series) - Value(before, series);
        Assert.Equal(5, Delta($"edgecache_requests_total{{outcome=\"hit\",site=\"{Site}\"}}"));
        Assert.Equal(1, Delta($"edgecache_requests_total{{outcome=\"miss\",site=\"{Site}\"}}"));
    }

    [Fact]
    public async Task Scrape_PassesPromtoolCheck()
    {
        await _proxy.Client.GetStringAsync("/a");
        var scrape = await ScrapeAsync();

        var promtool = await ProcessRunner.RunAsync("promtool", ["check", "metrics"], input: scrape);
        var problems = promtool.Error + promtool.Output;

        Assert.True(promtool.ExitCode == 0, problems);
    }

    private static string ReadmePath => Path.Combine(Path.GetDirectoryName(TestProxy.RepositoryTemplates)!, "README.md");

    /// <summary>The rows of the README's metrics table: metric names, type, label names.</summary>
    private static async Task<List<(string[] Names, string Type, string[] Labels)>> ReadmeSeriesAsync()
    {
        var readme = await File.ReadAllTextAsync(ReadmePath);
        var start = readme.IndexOf("\n## Metrics\n", StringComparison.Ordinal);
        Assert.True(start >= 0, "README has no Metrics section");
        var section = readme[start..readme.IndexOf("\n## ", start + 1, StringComparison.Ordinal)];
        static string[] Quoted(string cell) => Regex.Matches(cell, "`([^`]+)`").Select(m => m.Groups[1].Value).ToArray();
        return section.Split('\n')
            .Where(line => line.StartsWith("| `", StringComparison.Ordinal))
            .Select(line => line.Split('|').Select(cell => cell.Trim()).ToArray())
            .Select(cells => (Quoted(cells[1]), cells[2], Quoted(cells[3])))
            .ToList();
    }

    /// <summary>The label names of each sample of <paramref name="name"/> (a histogram's buckets, sum and count), <c>le</c> left out.</summary>
    private static List<string[]> SampleLabels(string scrape, string name, bool histogram) =>
        Regex.Matches(scrape, "^" + Regex.Escape(name) + (histogram ? "(?:_bucket|_sum|_count)" : "") + "(?:\\{(?<labels>.*)\\})? \\S+$", RegexOptions.Multiline)
            .Select(m => Regex.Matches(m.Groups["labels"].Value, "(\\w+)=\"").Select(l => l.Groups[1].Value).Where(l => l != "le").Order(StringComparer.Ordinal).ToArray())
            .ToList();

    [Fact]
    public async Task FreshStart_EveryReadmeSeries_PresentWithItsTypeAndLabels()
    {
        var scrape = await ScrapeAsync(); // before any request
        var rows = await ReadmeSeriesAsync();

        var typed = rows.Where(r => r.Type.Length > 0).ToList();
        Assert.True(typed.Count > 10, "the README's metrics table was not found");
        foreach (var (names, type, labels) in typed)
        {
            var name = Assert.Single(names);
            Assert.Contains($"# TYPE {name} {type}\n", scrape);
            var samples = SampleLabels(scrape, name, type == "histogram");
            Assert.True(samples.Count > 0, $"{name}: no series on a fresh start");
            var documented = string.Join(",", labels.Order(StringComparer.Ordinal));
            Assert.All(samples, sample => Assert.Equal(documented, string.Join(",", sample)));
        }
        foreach (var name in rows.Where(r => r.Type.Length == 0).SelectMany(r => r.Names).Where(n => !n.Contains('*')))
        {
            Assert.Matches(new Regex("^" + Regex.Escape(name) + " \\S+$", RegexOptions.Multiline), scrape);
        }
    }

    [Fact]
    public async Task Scrape_AfterAFetch_EveryReadmeRuntimeFamilyPresent()
    {
        await _proxy.Client.GetStringAsync("/a"); // a miss: Kestrel, hosting, and the origin fetch's HttpClient
        var scrape = await ScrapeAsync();

        var prefixes = (await ReadmeSeriesAsync()).SelectMany(r => r.Names).Where(n => n.EndsWith('*')).Select(n => n.TrimEnd('*')).ToList();

        Assert.NotEmpty(prefixes);
        Assert.All(prefixes, prefix =>
            Assert.Matches(new Regex("^# TYPE " + Regex.Escape(prefix) + "\\w+ (counter|gauge|histogram)$", RegexOptions.Multiline), scrape));
    }

    [Fact]
    public async Task TwoNodesInOneProcess_EachScrape_CountsOnlyItsOwnRequests()
    {
        // Two more nodes beside this class's own, with the default health settings (this class's
        // 200 ms probe timeout can mark the origin down while two nodes start on a loaded machine).
        await using var one = await TestProxy.StartAsync(_origin.Address, clock: _clock);
        await using var other = await TestProxy.StartAsync(_origin.Address, clock: _clock);

        await one.Client.GetStringAsync("/a");                     // miss
        await one.Client.GetStringAsync("/a");                     // hit
        await other.Client.GetStringAsync("/b");                   // miss, on the other node

        static double ServerRequests(string scrape) => Regex.Matches(scrape, "^http_server_request_duration_seconds_count\\{.*\\} (\\S+)$", RegexOptions.Multiline)
            .Sum(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
        // ASP.NET Core records a request's duration once it has ended, which may be after the client has the answer.
        await Eventually(async () => ServerRequests(await one.Management.GetStringAsync("/metrics")) == 2
            && ServerRequests(await other.Management.GetStringAsync("/metrics")) == 1,
            "http_server_request_duration_seconds counting 2 requests on one node and 1 on the other");
        var mine = await one.Management.GetStringAsync("/metrics");
        var theirs = await other.Management.GetStringAsync("/metrics");

        static double Requests(string scrape, string outcome) => Value(scrape, $"edgecache_requests_total{{outcome=\"{outcome}\",site=\"{Site}\"}}");
        Assert.Equal((1, 1), (Requests(mine, "miss"), Requests(mine, "hit")));
        Assert.Equal((1, 0), (Requests(theirs, "miss"), Requests(theirs, "hit")));
    }

    [Fact]
    public async Task ReadmeAlertRule_PassesPromtoolCheckRules()
    {
        var readme = await File.ReadAllTextAsync(ReadmePath);
        var start = readme.IndexOf("groups:\n", StringComparison.Ordinal);
        Assert.True(start >= 0, "README has no alert rule");
        var rules = Path.Combine(TempDirectory.Create("rules"), "rules.yml");
        await File.WriteAllTextAsync(rules, readme[start..readme.IndexOf("```", start, StringComparison.Ordinal)]);

        var promtool = await ProcessRunner.RunAsync("promtool", ["check", "rules", rules]);
        var output = promtool.Output + promtool.Error;

        Assert.True(promtool.ExitCode == 0, output);
        Assert.Contains("1 rules found", output);
    }

    [Fact]
    public async Task RealPrometheus_ScrapesEdgeCache_QueryReturnsRequests()
    {
        await _proxy.Client.GetStringAsync("/a");
        var dir = TempDirectory.Create("prometheus");
        var port = FreePort();
        var target = _proxy.Management.BaseAddress!;
        await File.WriteAllTextAsync(Path.Combine(dir, "prometheus.yml"), $"""
            global:
              scrape_interval: 1s
            scrape_configs:
              - job_name: edgecache
                static_configs:
                  - targets: ["{target.Host}:{target.Port}"]
            """);
        var start = new ProcessStartInfo("prometheus")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            ArgumentList =
            {
                $"--config.file={Path.Combine(dir, "prometheus.yml")}", $"--storage.tsdb.path={Path.Combine(dir, "data")}",
                $"--web.listen-address=127.0.0.1:{port}",
            },
        };
        using var prometheus = Process.Start(start) ?? throw new InvalidOperationException("prometheus not found; ./test.sh installs it");
        _ = prometheus.StandardOutput.ReadToEndAsync();
        _ = prometheus.StandardError.ReadToEndAsync();
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(5) };
            JsonElement result = default;
            await Eventually(async () =>
            {
                try
                {
                    // Every outcome's series exists from the start at 0: the one miss tells this scrape from the first.
                    var json = await client.GetStringAsync($"/api/v1/query?query=edgecache_requests_total{{outcome=\"miss\",site=\"{Site}\"}}");
                    result = JsonDocument.Parse(json).RootElement.GetProperty("data").GetProperty("result");
                    return result.GetArrayLength() == 1 && result[0].GetProperty("value")[1].GetString() == "1";
                }
                catch (HttpRequestException)
                {
                    return false; // not listening yet
                }
            }, "Prometheus returning the miss in edgecache_requests_total", seconds: 60);
            Assert.Equal("edgecache_requests_total", result[0].GetProperty("metric").GetProperty("__name__").GetString());
        }
        finally
        {
            prometheus.Kill(entireProcessTree: true);
            await prometheus.WaitForExitAsync();
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
