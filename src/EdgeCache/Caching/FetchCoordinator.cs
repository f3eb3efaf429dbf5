using System.Collections.Concurrent;

namespace EdgeCache.Caching;

/// <summary>
/// Per-key single flight: concurrent misses for one key share one origin fetch
/// (OutputCaching's WorkDispatcher). The first caller leads; later callers wait on its result.
/// </summary>
internal sealed class FetchCoordinator
{
    private readonly ConcurrentDictionary<string, Task<FetchResult>> _inflight = new(StringComparer.Ordinal);

    public int InFlight => _inflight.Count;

    /// <summary>
    /// Joins the fetch in flight for <paramref name="key"/>, or starts <paramref name="fetch"/>
    /// as its leader. The fetch runs to completion even if the leader's reader goes away.
    /// </summary>
    public Task<FetchResult> Run(string key, Func<Task<FetchResult>> fetch, out bool isLeader)
    {
        var completion = new TaskCompletionSource<FetchResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        var existing = _inflight.GetOrAdd(key, completion.Task);
        isLeader = existing == completion.Task;
        if (!isLeader)
        {
            return existing;
        }
        _ = LeadAsync(key, fetch, completion);
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
        _ = LeadAsync(key, fetch, completion);
        return true;
    }

    private async Task LeadAsync(string key, Func<Task<FetchResult>> fetch, TaskCompletionSource<FetchResult> completion)
    {
        try
        {
            completion.TrySetResult(await fetch());
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
