using System.Xml;
using EdgeCache.Caching;
using EdgeCache.Hosting;
using EdgeCache.Origin;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using EdgeCache.Diagnostics;

namespace EdgeCache.Warming;

/// <summary>
/// Keeps every configured page in the cache: on a schedule (never overlapping itself) it expands the
/// sitemaps and requests every URL through this node's own public listener, so a page is fetched,
/// revalidated (a 304 for an unchanged page) or found fresh exactly as a reader's request would.
/// Bounded in rate and concurrency, marked as background work (it never queues for the origin),
/// and paused while an origin is down.
/// </summary>
internal sealed partial class Warmer : BackgroundService
{
    private readonly IOptionsMonitor<WarmingOptions> _options;
    private readonly PublicAddress _address;
    private readonly WarmMarker _marker;
    private readonly OriginHealth _health;
    private readonly Yarp.ReverseProxy.IProxyStateLookup _proxy;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Metrics.EdgeCacheMetrics _metrics;
    private readonly IHttpClientFactory _clients;

    /// <summary>The named client of sitemap and warm requests (to this node's own listener).</summary>
    public const string HttpClientName = "EdgeCache.Warming";

    public Warmer(IOptionsMonitor<WarmingOptions> options, PublicAddress address, WarmMarker marker, OriginHealth health,
        Yarp.ReverseProxy.IProxyStateLookup proxy, TimeProvider time, ILogger<Warmer> logger, Metrics.EdgeCacheMetrics metrics,
        IHttpClientFactory clients)
    {
        _clients = clients;
        _proxy = proxy;
        _metrics = metrics;
        _options = options;
        _address = address;
        _marker = marker;
        _health = health;
        _time = time;
        _logger = logger;
    }

    /// <param name="Url">The page warmed.</param>
    /// <param name="Status">What EdgeCache answered (0: no answer).</param>
    /// <param name="CacheStatus">Its <c>Cache-Status</c>.</param>
    /// <param name="Error">Why the page was not warmed, or null when it was.</param>
    public sealed record UrlResult(string Url, int Status, string? CacheStatus, string? Error = null);

    /// <summary>A sitemap that gave no pages, and why.</summary>
    public sealed record SitemapFailure(string Url, string Error);

    /// <summary>Every page's result, and the sitemaps that could not be read.</summary>
    public sealed record WarmReport(IReadOnlyList<UrlResult> Results, IReadOnlyList<SitemapFailure> SitemapFailures);

    /// <summary>Expands <paramref name="sitemaps"/> and warms those pages and <paramref name="urls"/> now.</summary>
    /// <param name="pauseWhileDegraded">The scheduled cycle waits out an outage; an operator's request does not.</param>
    public async Task<WarmReport> WarmAsync(IEnumerable<Uri> urls, IEnumerable<Uri> sitemaps, bool pauseWhileDegraded,
        CancellationToken cancellationToken)
    {
        await _address.WhenKnown.WaitAsync(cancellationToken);
        var options = _options.CurrentValue;
        var client = _clients.CreateClient(HttpClientName);
        var all = new List<Uri>(urls);
        var sitemapFailures = new List<SitemapFailure>();
        all.AddRange(await ExpandAsync(client, sitemaps, options.MaxUrls, sitemapFailures, cancellationToken));
        var targets = all.Distinct().Take(options.MaxUrls).ToList();
        var results = new UrlResult[targets.Count];
        using var gate = new SemaphoreSlim(Math.Max(1, options.Concurrency));
        using var pace = new WarmPace(options.RequestsPerSecond, _time);
        var tasks = new List<Task>(targets.Count);
        var done = 0;
        try
        {
            for (var i = 0; i < targets.Count; i++)
            {
                if (pauseWhileDegraded)
                {
                    await WaitWhileDegradedAsync(cancellationToken);
                }
                await gate.WaitAsync(cancellationToken);
                await pace.WaitAsync(cancellationToken);
                var index = i;
                tasks.Add(Task.Run(async () =>
                {
                    try
                    {
                        results[index] = await WarmOneAsync(client, targets[index], cancellationToken);
                        if (Interlocked.Increment(ref done) % 500 == 0)
                        {
                            LogProgress(_logger, done, targets.Count);
                        }
                    }
                    finally
                    {
                        gate.Release();
                    }
                }, cancellationToken));
            }
        }
        finally
        {
            // A cancelled run still waits for the requests it started: they give their gate place back.
            await Task.WhenAll(tasks).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        await Task.WhenAll(tasks);
        return new WarmReport(results, sitemapFailures);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The next cycle starts an interval after this one started, and never before it ended: a
        // PeriodicTimer on the injected clock (a tick missed during a long cycle comes at once).
        using var timer = new PeriodicTimer(_options.CurrentValue.Interval, _time);
        do
        {
            var options = _options.CurrentValue;
            var started = _time.GetTimestamp();
            if (options.Sitemaps.Count > 0 || options.Urls.Count > 0)
            {
                try
                {
                    var results = (await WarmAsync(Parse(options.Urls), Parse(options.Sitemaps), pauseWhileDegraded: true, stoppingToken)).Results;
                    LogCycle(_logger, results.Count, results.Count(r => r.Status is >= 200 and < 400), _time.GetElapsedTime(started).TotalSeconds);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex)
                {
                    LogCycleFailed(_logger, ex);
                }
            }
            timer.Period = options.Interval;
        }
        while (await WaitForNextCycleAsync(timer, stoppingToken));
    }

    private static async Task<bool> WaitForNextCycleAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task<List<Uri>> ExpandAsync(HttpClient client, IEnumerable<Uri> sitemaps, int maxUrls, List<SitemapFailure> failures,
        CancellationToken cancellationToken)
    {
        var pages = new List<Uri>();
        var queue = new Queue<(Uri Url, int Depth)>(sitemaps.Select(s => (s, 0)));
        var seen = new HashSet<Uri>();
        while (queue.Count > 0 && pages.Count < maxUrls)
        {
            var (sitemap, depth) = queue.Dequeue();
            if (!seen.Add(sitemap))
            {
                continue;
            }
            try
            {
                using var response = await client.SendAsync(Request(sitemap), cancellationToken);
                if (!response.IsSuccessStatusCode)
                {
                    var error = $"answered {(int)response.StatusCode}";
                    failures.Add(new SitemapFailure(sitemap.ToString(), error));
                    LogSitemapFailed(_logger, sitemap.ToString(), error);
                    continue;
                }
                var parsed = SitemapParser.Parse(await response.Content.ReadAsByteArrayAsync(cancellationToken));
                pages.AddRange(parsed.Pages);
                if (depth < 3)
                {
                    foreach (var child in parsed.Sitemaps)
                    {
                        queue.Enqueue((child, depth + 1));
                    }
                }
            }
            catch (Exception ex) when (ex is XmlException or HttpRequestException or InvalidDataException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                failures.Add(new SitemapFailure(sitemap.ToString(), ex is XmlException ? $"is not a sitemap: {ex.Message}" : ex.Message));
                LogSitemapFailed(_logger, sitemap.ToString(), ex.Message);
            }
        }
        return pages;
    }

    private async Task<UrlResult> WarmOneAsync(HttpClient client, Uri url, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await client.SendAsync(Request(url), HttpCompletionOption.ResponseContentRead, cancellationToken);
            var ok = (int)response.StatusCode is >= 200 and < 400;
            _metrics.WarmRequest(ok);
            return new UrlResult(url.ToString(), (int)response.StatusCode,
                response.Headers.TryGetValues(CacheStatus.HeaderName, out var values) ? string.Join(", ", values) : null,
                ok ? null : $"answered {(int)response.StatusCode}");
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            _metrics.WarmRequest(ok: false);
            return new UrlResult(url.ToString(), 0, null, ex.Message);
        }
    }

    /// <summary>A request to this node's own listener for <paramref name="url"/>, with its host and the warming mark.</summary>
    private HttpRequestMessage Request(Uri url)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_address.Value, url.PathAndQuery));
        request.Headers.Host = url.Authority;
        request.Headers.Add(WarmMarker.HeaderName, _marker.Value);
        return request;
    }

    private async Task WaitWhileDegradedAsync(CancellationToken cancellationToken)
    {
        if (!_health.AnyDegraded(_proxy))
        {
            return;
        }
        LogPaused(_logger);
        while (_health.AnyDegraded(_proxy))
        {
            await Task.Delay(TimeSpan.FromMilliseconds(500), _time, cancellationToken);
        }
        LogResumed(_logger);
    }

    private static IEnumerable<Uri> Parse(IEnumerable<string> urls) =>
        urls.Select(u => Uri.TryCreate(u, UriKind.Absolute, out var uri) ? uri : null).OfType<Uri>();

    [LoggerMessage(EventId = EventIds.WarmingCycle, EventName = nameof(EventIds.WarmingCycle), Level = LogLevel.Information,
        Message = "Warming cycle: {Count} URLs, {Ok} answered, in {Seconds:0.0} s")]
    private static partial void LogCycle(ILogger logger, int count, int ok, double seconds);

    [LoggerMessage(EventId = EventIds.WarmingProgress, EventName = nameof(EventIds.WarmingProgress), Level = LogLevel.Information, Message = "Warming: {Done} of {Total} URLs")]
    private static partial void LogProgress(ILogger logger, int done, int total);

    [LoggerMessage(EventId = EventIds.WarmingPaused, EventName = nameof(EventIds.WarmingPaused), Level = LogLevel.Warning, Message = "Warming paused: an origin is down")]
    private static partial void LogPaused(ILogger logger);

    [LoggerMessage(EventId = EventIds.WarmingResumed, EventName = nameof(EventIds.WarmingResumed), Level = LogLevel.Information, Message = "Warming resumed: the origins are up")]
    private static partial void LogResumed(ILogger logger);

    [LoggerMessage(EventId = EventIds.SitemapFailed, EventName = nameof(EventIds.SitemapFailed), Level = LogLevel.Error, Message = "Sitemap {Url} skipped: {Reason}")]
    private static partial void LogSitemapFailed(ILogger logger, string url, string reason);

    [LoggerMessage(EventId = EventIds.WarmingCycleFailed, EventName = nameof(EventIds.WarmingCycleFailed), Level = LogLevel.Error, Message = "Warming cycle failed; the next one runs on schedule")]
    private static partial void LogCycleFailed(ILogger logger, Exception exception);
}
