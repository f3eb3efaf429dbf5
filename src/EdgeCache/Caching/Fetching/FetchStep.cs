using EdgeCache.Caching.Entries;
using EdgeCache.Caching.Keys;
using EdgeCache.Caching.Pipeline;
using EdgeCache.Caching.Policy;
using EdgeCache.Caching.Stores;
using EdgeCache.Degraded;
using EdgeCache.Metrics;
using EdgeCache.Origin;
using EdgeCache.Rules;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using EdgeCache.Diagnostics;

namespace EdgeCache.Caching.Fetching;

/// <summary>How a reader's wait on a fetch ended.</summary>
internal enum FetchEnd
{
    /// <summary>The fetch finished: see the result.</summary>
    Answered,

    /// <summary>The stale deadline passed first; the fetch goes on in the background.</summary>
    Deadline,

    /// <summary>The site was declared down first (a hung origin).</summary>
    OriginDown,

    /// <summary>The reader went away.</summary>
    ReaderGone,
}

internal readonly record struct ReaderFetch(FetchEnd End, FetchResult? Result, bool Collapsed);

/// <summary>
/// Asking the origin: one fetch per key (coalesced), conditional when a stored copy has validators,
/// the storage decision, the store, and background refreshes (stale-while-revalidate, refresh-ahead).
/// </summary>
internal sealed partial class FetchStep(OriginFetcher fetcher, FetchCoordinator coordinator, TieredStore store, OriginHealth health, FailureBackoff backoff,
    IOptionsMonitor<CacheOptions> options, IOptionsMonitor<DegradedOptions> degraded, EdgeCacheMetrics metrics, TimeProvider time,
    IHostApplicationLifetime lifetime, ILogger<FetchStep> logger, Compression.StoreCompressor compressor)
{
    /// <summary>
    /// Fetches for a reader, coalesced with other readers of the key, waiting as <paramref name="wait"/> says.
    /// A waiter gets the leader's result only when the cache could have served it to that waiter
    /// without asking the origin; otherwise it fetches for itself, alongside the other waiters.
    /// </summary>
    public async Task<ReaderFetch> FetchForReaderAsync(HttpContext context, CacheRequestContext request, string primaryKey, string key,
        CacheEntry? stored, OriginTarget? target, FetchWait wait)
    {
        var headers = context.Request.Headers;
        var originRequest = OriginRequest.From(context.Request);
        var fetch = coordinator.Run(key,
            () => FetchAndStoreAsync(originRequest, target, primaryKey, key, stored, request.Rule, headers, request.Background),
            request.Facts.Credentials != RequestCredentials.None, out var isLeader);
        FetchResult result;
        try
        {
            if (wait == FetchWait.AtMostStaleDeadline)
            {
                result = await fetch.WaitAsync(degraded.CurrentValue.StaleDeadline, time, context.RequestAborted);
            }
            else
            {
                // Nothing stored to fall back on: wait for the origin, but not past the moment the
                // probes declare it dead (a hung origin would otherwise hold the reader to the timeout).
                var down = target is null ? Task.CompletedTask : health.WhenDegraded(target.ClusterId);
                if (await Task.WhenAny(fetch, down).WaitAsync(context.RequestAborted) != fetch)
                {
                    AbandonPassThroughOf(fetch, isLeader);
                    return new ReaderFetch(FetchEnd.OriginDown, null, false);
                }
                result = await fetch;
            }
        }
        catch (TimeoutException)
        {
            AbandonPassThroughOf(fetch, isLeader);
            return new ReaderFetch(FetchEnd.Deadline, null, false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            AbandonPassThroughOf(fetch, isLeader);
            return new ReaderFetch(FetchEnd.ReaderGone, null, false);
        }

        if (!isLeader)
        {
            metrics.Coalesced();
            if (!IsUsableByWaiter(result, primaryKey, headers, request.Facts.Credentials, stored, time.GetUtcNow(), OwnerOf(target)))
            {
                result = await FetchAndStoreAsync(originRequest, target, primaryKey, key, stored, request.Rule, headers, request.Background);
                isLeader = true;
            }
        }
        return new ReaderFetch(FetchEnd.Answered, result, !isLeader);
    }

    /// <summary>Starts one background revalidation of <paramref name="stored"/> for the key, unless one is already running.</summary>
    public void StartBackgroundRefresh(HttpContext context, CacheRequestContext request, string primaryKey, string key, CacheEntry stored)
    {
        if (backoff.IsBackingOff(key, time.GetUtcNow()))
        {
            return; // the origin failed this key moments ago
        }
        var originRequest = OriginRequest.From(context.Request);
        var target = OriginTarget.From(context.Features.Get<Yarp.ReverseProxy.Model.IReverseProxyFeature>(), health);
        var headers = new HeaderDictionary(context.Request.Headers.ToDictionary(h => h.Key, h => h.Value, StringComparer.OrdinalIgnoreCase));
        coordinator.TryStart(key, async () =>
        {
            try
            {
                var result = await FetchAndStoreAsync(originRequest, target, primaryKey, key, stored, request.Rule, headers, background: true);
                result.Origin.PassThrough?.Abandon(); // too large for the cache, and no reader to take it
                return result;
            }
            catch (Exception ex)
            {
                LogBackgroundRefreshFailed(logger, key, ex);
                throw;
            }
        });
    }

    /// <summary>
    /// A too-large response is held for the leader's own reader (<see cref="PassThrough"/>: it was
    /// fetched with that reader's headers, so it is never handed to a waiter). Should that reader
    /// stop waiting first (stale deadline, origin down, gone), or not take it, nobody will: the
    /// origin request ends (here for a reader that stopped waiting; <see cref="ProxyCacheMiddleware"/>
    /// takes or abandons it otherwise).
    /// </summary>
    private static void AbandonPassThroughOf(Task<FetchResult> fetch, bool isLeader)
    {
        if (!isLeader)
        {
            return;
        }
        _ = fetch.ContinueWith(static (task, _) =>
        {
            if (task.IsCompletedSuccessfully && task.Result.Origin.PassThrough is { } passThrough)
            {
                passThrough.Abandon();
            }
        }, null, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>
    /// A coalesced waiter gets the leader's result only when the cache could have served it that
    /// result without asking the origin: stored, fresh now, and of the waiter's Vary variant.
    /// A too-large answer, or a failure without an origin answer (refused, timed out), carries
    /// nothing of the leader's: each waiter then answers from its own stale copy or the error page,
    /// or forwards its own request. An origin's error answer passes through to its reader, so it is
    /// the leader's own (it may name them): waiters without a copy that may stand in ask for theirs;
    /// waiters with one answer from it (one failing attempt per key at a time).
    /// </summary>
    private static bool IsUsableByWaiter(FetchResult result, string primaryKey, IHeaderDictionary headers, RequestCredentials credentials,
        CacheEntry? stored, DateTimeOffset now, string owner)
    {
        switch (result.Kind)
        {
            case FetchKind.TooLarge:
                return true;
            case FetchKind.Failed:
                return !result.Origin.OriginAnswered || (stored is not null && CachePolicy.CanServeStaleOnError(stored, now));
            case FetchKind.Stored or FetchKind.Revalidated:
                var entry = result.Entry!;
                return entry.Owner == owner // a configuration change routed the leader to another site
                    && CachePolicy.IsReusableWithoutValidation(entry, now, credentials)
                    && (entry.VaryHeaders.Length == 0 || CacheKeys.Variant(primaryKey, entry.VaryHeaders, headers) == entry.Key);
            default:
                return false;
        }
    }

    /// <summary>
    /// Fetches from the origin (conditionally when a stored copy has validators), decides
    /// storability, and stores. <paramref name="background"/> fetches never queue for the origin.
    /// </summary>
    private async Task<FetchResult> FetchAndStoreAsync(OriginRequest request, OriginTarget? target, string primaryKey,
        string key, CacheEntry? stored, CacheRule rule, IHeaderDictionary requestHeaders, bool background)
    {
        var current = options.CurrentValue;
        var owner = OwnerOf(target);
        var origin = await fetcher.FetchAsync(request, target, stored?.ETag, stored?.LastModified, background, lifetime.ApplicationStopping);
        var credentials = CachePolicy.CredentialsOf(requestHeaders);

        if (origin.OriginAnswered && CacheEntryFactory.UnsendableHeader(origin.Headers) is { } unsendable)
        {
            // Refused at store time: no reader could be sent it (Kestrel refuses the value). The
            // reader gets a stale copy or a 502, as YARP answers when it forwards such a response.
            LogUnsendableHeader(logger, key, unsendable);
            var refused = new OriginResponse(OriginOutcome.Failed, StatusCodes.Status502BadGateway, new HeaderDictionary(), default,
                origin.RequestTime, origin.ResponseTime)
            {
                Answer = new OriginAnswer(OriginAnswerKind.Failure, StatusCodes.Status502BadGateway, "origin-bad-header"),
                FromBackup = origin.FromBackup,
                Destination = origin.Destination,
            };
            return new FetchResult(FetchKind.Failed, null, refused, "origin-bad-header");
        }

        switch (origin.Answer.Kind)
        {
            case OriginAnswerKind.TooLarge:
                backoff.Succeeded(key);
                return new FetchResult(FetchKind.TooLarge, null, origin, "too-large");
            case OriginAnswerKind.Failure:
                // An error never replaces a stored copy; while one may stand in, a key the origin
                // answered with an error, or timed out on, backs off (refused and reset are the
                // health model's business: they say the origin is down, not this URL).
                LogOriginFailed(logger, key, origin.Answer.FailureDetail,
                    origin.Error != Yarp.ReverseProxy.Forwarder.ForwarderError.None ? origin.Error.ToString() : origin.StatusCode.ToString());
                // Only a request without credentials speaks for every reader: a failure caused by
                // one reader's cookie or token must not hold the page back from everyone else.
                var standIn = stored is not null && CachePolicy.CanServeStaleOnError(stored, time.GetUtcNow());
                if (standIn && credentials == RequestCredentials.None
                    && (origin.OriginAnswered || origin.Error == Yarp.ReverseProxy.Forwarder.ForwarderError.RequestTimedOut))
                {
                    backoff.Failed(key, origin.OriginAnswered ? origin.Headers : null);
                }
                if (!standIn && origin.OriginAnswered && origin.Answer.FailureDetail == "origin-error")
                {
                    // RFC 9111 3: an error answer the origin gave explicit freshness (a 503 with
                    // max-age=5 during an incident, say) is stored and reused like any other, so a
                    // struggling origin is asked once per lifetime, not once per reader; never in
                    // place of a copy that may still stand in for it.
                    var error = CachePolicy.EvaluateResponse(origin.StatusCode, origin.Headers, credentials, rule, current,
                        origin.RequestTime, origin.ResponseTime);
                    if (error.Storable)
                    {
                        return await StoreAsync(origin, error, primaryKey, rule, requestHeaders, current, owner);
                    }
                }
                return new FetchResult(FetchKind.Failed, null, origin, origin.Answer.FailureDetail);
        }
        backoff.Succeeded(key);

        if (origin.Answer.Kind == OriginAnswerKind.NotModified && stored is not null)
        {
            var merged = CachePolicy.MergeNotModified(stored.Headers, origin.Headers);
            // The 304 confirms the stored (already shared) response; a cookie does not make it private.
            var refreshed = CachePolicy.EvaluateResponse(stored.StatusCode, merged, credentials & ~RequestCredentials.Cookie, rule, current,
                origin.RequestTime, origin.ResponseTime);
            var updated = CacheEntryFactory.Create(stored.Key, stored.StatusCode, merged, stored.Body, refreshed, rule, origin.ResponseTime, current.ForwardTagHeaders, owner);
            // The stored headers no longer carry the origin's tag fields (consumed at store time): keep the tags.
            // The confirmed body keeps the forms compressed from it, under the (restated) validator.
            updated = updated with
            {
                Tags = [.. stored.Tags.Union(updated.Tags, StringComparer.Ordinal).Order(StringComparer.Ordinal)],
                Encodings = EncodedForm.Rebase(stored.Encodings, updated.ETag),
            };
            if (!refreshed.Storable)
            {
                // Refused only for this reader's Authorization (RFC 9111 3.5): the stored copy, shared
                // before, stays as it was for everyone else; this reader alone gets the confirmed one.
                if (refreshed.Reason != "authorization")
                {
                    await store.RemoveAsync(stored.Key, CancellationToken.None);
                }
                return new FetchResult(FetchKind.Uncacheable, updated, origin, refreshed.Reason);
            }
            await store.SetAsync(updated, CancellationToken.None);
            return new FetchResult(FetchKind.Revalidated, updated, origin, "revalidated");
        }

        var decision = CachePolicy.EvaluateResponse(origin.StatusCode, origin.Headers, credentials, rule, current,
            origin.RequestTime, origin.ResponseTime);
        if (!decision.Storable)
        {
            var transient = CacheEntryFactory.Transient(key, origin.StatusCode, origin.Headers, origin.Body, origin.ResponseTime, current.ForwardTagHeaders);
            return new FetchResult(FetchKind.Uncacheable, transient, origin, decision.Reason);
        }

        return await StoreAsync(origin, decision, primaryKey, rule, requestHeaders, current, owner);
    }

    /// <summary>Whose an answer from <paramref name="target"/> is (<see cref="CacheOwner"/>).</summary>
    private static string OwnerOf(OriginTarget? target) => target is null ? "" : CacheOwner.Of(target.Cluster.Model);

    /// <summary>Stores a storable answer under its key (its Vary variant's, behind a marker, when it varies).</summary>
    private async Task<FetchResult> StoreAsync(OriginResponse origin, StorageDecision decision, string primaryKey, CacheRule rule,
        IHeaderDictionary requestHeaders, CacheOptions current, string owner)
    {
        var vary = CacheKeys.ParseVary(origin.Headers.Vary);
        var entryKey = primaryKey;
        if (vary.Length > 0)
        {
            await store.SetAsync(CacheEntryFactory.VaryMarker(primaryKey, vary, origin.ResponseTime, owner), CancellationToken.None);
            entryKey = CacheKeys.Variant(primaryKey, vary, requestHeaders);
        }
        var entry = CacheEntryFactory.Create(entryKey, origin.StatusCode, origin.Headers, origin.Body, decision, rule, origin.ResponseTime, current.ForwardTagHeaders, owner);
        entry = compressor.Compress(entry, origin.Headers);
        await store.SetAsync(entry, CancellationToken.None);
        return new FetchResult(FetchKind.Stored, entry, origin, "stored");
    }

    [LoggerMessage(EventId = EventIds.OriginFetchFailed, EventName = nameof(EventIds.OriginFetchFailed), Level = LogLevel.Debug,
        Message = "Origin fetch for {Key} failed: {Reason} ({Error})")]
    private static partial void LogOriginFailed(ILogger logger, string key, string reason, string error);

    [LoggerMessage(EventId = EventIds.BackgroundRefreshFailed, EventName = nameof(EventIds.BackgroundRefreshFailed), Level = LogLevel.Warning,
        Message = "Background refresh of {Key} failed")]
    private static partial void LogBackgroundRefreshFailed(ILogger logger, string key, Exception exception);

    [LoggerMessage(EventId = EventIds.EntryNotStorable, EventName = nameof(EventIds.EntryNotStorable), Level = LogLevel.Warning,
        Message = "Did not store {Key}: the origin's {Header} field holds a control character no reader can be sent; readers get 502 or a stale copy")]
    private static partial void LogUnsendableHeader(ILogger logger, string key, string header);
}
