using System.Collections.Concurrent;

namespace EdgeCache.Caching;

/// <summary>
/// Per-key single flight: concurrent misses for one key share one origin fetch
/// (OutputCaching's WorkDispatcher). The first caller leads; later callers wait on its result.
/// A key whose last fetch was not shareable (a private page, say) is remembered for a while, like
/// Varnish's hit-for-miss: its readers then fetch side by side instead of queueing behind a
/// leader whose answer they could not use anyway.
/// </summary>
internal sealed class FetchCoordinator(TimeProvider time)
{
    /// <summary>How long a key stays known as not shareable after such an answer (Varnish: 120 s).</summary>
    internal static readonly TimeSpan UnshareableFor = TimeSpan.FromMinutes(2);

    /// <summary>Most keys remembered as not shareable; past it the memory starts over (bounded, never a leak).</summary>
    internal const int MaxUnshareableKeys = 4096;

    private readonly ConcurrentDictionary<string, Task<FetchResult>> _inflight = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _unshareable = new(StringComparer.Ordinal);

    public int InFlight => _inflight.Count;

    /// <summary>
    /// Joins the fetch in flight for <paramref name="key"/>, or starts <paramref name="fetch"/>
    /// as its leader. The fetch runs to completion even if the leader's reader goes away. For a
    /// key known not to be shareable, every caller runs its own fetch and leads it.
    /// </summary>
    public Task<FetchResult> Run(string key, Func<Task<FetchResult>> fetch, out bool isLeader)
    {
        if (IsKnownUnshareable(key))
        {
            isLeader = true;
            return RunAloneAsync(key, fetch);
        }
        var completion = new TaskCompletionSource<FetchResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        var existing = _inflight.GetOrAdd(key, completion.Task);
        isLeader = existing == completion.Task;
        if (!isLeader)
        {
            return existing;
        }
        _ = LeadAsync(key, fetch, completion, learn: true);
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
        _ = LeadAsync(key, fetch, completion, learn: false);
        return true;
    }

    /// <summary>Records what a fetch for <paramref name="key"/> found, for the next readers of the key.</summary>
    private void Learn(string key, FetchResult result)
    {
        switch (result.Kind)
        {
            case FetchKind.Uncacheable:
                if (_unshareable.Count >= MaxUnshareableKeys)
                {
                    _unshareable.Clear();
                }
                _unshareable[key] = time.GetUtcNow() + UnshareableFor;
                break;
            case FetchKind.Stored or FetchKind.Revalidated:
                _unshareable.TryRemove(key, out _);
                break;
        }
    }

    private bool IsKnownUnshareable(string key)
    {
        if (_unshareable.IsEmpty || !_unshareable.TryGetValue(key, out var until))
        {
            return false;
        }
        if (time.GetUtcNow() < until)
        {
            return true;
        }
        _unshareable.TryRemove(new KeyValuePair<string, DateTimeOffset>(key, until));
        return false;
    }

    private async Task<FetchResult> RunAloneAsync(string key, Func<Task<FetchResult>> fetch)
    {
        var result = await fetch();
        Learn(key, result);
        return result;
    }

    private async Task LeadAsync(string key, Func<Task<FetchResult>> fetch, TaskCompletionSource<FetchResult> completion, bool learn)
    {
        try
        {
            var result = await fetch();
            if (learn)
            {
                Learn(key, result);
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
