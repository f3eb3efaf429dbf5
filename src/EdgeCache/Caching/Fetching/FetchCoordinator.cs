using System.Collections.Concurrent;

namespace EdgeCache.Caching.Fetching;

/// <summary>
/// Per-key single flight: concurrent misses for one key share one origin fetch
/// (OutputCaching's WorkDispatcher). The first caller leads; later callers wait on its result.
/// A key whose last fetch was not shareable (a private page, say) is remembered for a while, like
/// Varnish's hit-for-miss: its readers then fetch side by side instead of queueing behind a
/// leader whose answer they could not use anyway. What a reader with a cookie found unshareable
/// says nothing about anonymous readers, so it only spares other credentialed readers the queue:
/// a client cannot switch coalescing off for everyone by sending a cookie.
/// </summary>
internal sealed class FetchCoordinator(TimeProvider time)
{
    /// <summary>How long a key stays known as not shareable after such an answer (Varnish: 120 s).</summary>
    internal static readonly TimeSpan UnshareableFor = TimeSpan.FromMinutes(2);

    /// <summary>Most keys remembered as not shareable; past it the memory starts over (bounded, never a leak).</summary>
    internal const int MaxUnshareableKeys = 4096;

    private readonly ConcurrentDictionary<string, Task<FetchResult>> _inflight = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Unshareable> _unshareable = new(StringComparer.Ordinal);

    /// <param name="Until">When the key is coalesced again.</param>
    /// <param name="ForEveryone">Found unshareable for a reader without credentials, so for every reader.</param>
    private readonly record struct Unshareable(DateTimeOffset Until, bool ForEveryone);

    public int InFlight => _inflight.Count;

    /// <summary>
    /// Joins the fetch in flight for <paramref name="key"/>, or starts <paramref name="fetch"/>
    /// as its leader. The fetch runs to completion even if the leader's reader goes away. For a
    /// key known not to be shareable, every caller runs its own fetch and leads it.
    /// </summary>
    /// <param name="credentialed">The reader sent a cookie or credentials.</param>
    public Task<FetchResult> Run(string key, Func<Task<FetchResult>> fetch, bool credentialed, out bool isLeader)
    {
        if (IsKnownUnshareable(key, credentialed))
        {
            isLeader = true;
            return RunAloneAsync(key, fetch, credentialed);
        }
        var completion = new TaskCompletionSource<FetchResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        var existing = _inflight.GetOrAdd(key, completion.Task);
        isLeader = existing == completion.Task;
        if (!isLeader)
        {
            return existing;
        }
        _ = LeadAsync(key, fetch, completion, learn: true, credentialed);
        return completion.Task;
    }

    /// <summary>Starts <paramref name="fetch"/> only if nothing is in flight for the key (one background refresh per key).</summary>
    public bool TryStart(string key, Func<Task<FetchResult>> fetch)
    {
        var completion = new TaskCompletionSource<FetchResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_inflight.TryAdd(key, completion.Task))
        {
            return false;
        }
        // A background refresh runs with one reader's headers: what it finds says nothing about
        // whether the key's next readers can share a fetch.
        _ = LeadAsync(key, fetch, completion, learn: false, credentialed: false);
        return true;
    }

    /// <summary>Records what a fetch for <paramref name="key"/> found, for the next readers of the key.</summary>
    private void Learn(string key, FetchResult result, bool credentialed)
    {
        switch (result.Kind)
        {
            case FetchKind.Uncacheable:
                if (_unshareable.Count >= MaxUnshareableKeys)
                {
                    _unshareable.Clear();
                }
                var forEveryone = !credentialed || (_unshareable.TryGetValue(key, out var known) && known.ForEveryone);
                _unshareable[key] = new Unshareable(time.GetUtcNow() + UnshareableFor, forEveryone);
                break;
            case FetchKind.Stored or FetchKind.Revalidated:
                _unshareable.TryRemove(key, out _);
                break;
        }
    }

    private bool IsKnownUnshareable(string key, bool credentialed)
    {
        if (_unshareable.IsEmpty || !_unshareable.TryGetValue(key, out var known))
        {
            return false;
        }
        if (time.GetUtcNow() >= known.Until)
        {
            _unshareable.TryRemove(new KeyValuePair<string, Unshareable>(key, known));
            return false;
        }
        return known.ForEveryone || credentialed;
    }

    private async Task<FetchResult> RunAloneAsync(string key, Func<Task<FetchResult>> fetch, bool credentialed)
    {
        var result = await fetch();
        Learn(key, result, credentialed);
        return result;
    }

    private async Task LeadAsync(string key, Func<Task<FetchResult>> fetch, TaskCompletionSource<FetchResult> completion, bool learn, bool credentialed)
    {
        try
        {
            var result = await fetch();
            if (learn)
            {
                Learn(key, result, credentialed);
            }
            completion.TrySetResult(result);
        }
        catch (Exception ex)
        {
            completion.TrySetException(ex);
        }
        finally
        {
            _inflight.TryRemove(new KeyValuePair<string, Task<FetchResult>>(key, completion.Task));
        }
    }
}
