namespace EdgeCache.Origin;

/// <summary>
/// Capture chunks are ordinary arrays: the pool keeps a few, the rest of a burst (64 concurrent
/// 12 MB downloads: 64 × 8 MB captured before each turned out too large) is garbage that a quiet
/// process may not collect for minutes, so its pages stay resident (issue 15). Past
/// <see cref="ReclaimAfterBytes"/> released since the last time, a background gen-2 collection is
/// requested, which frees and decommits those regions. Driven by bytes, not time: a steady stream
/// of small captures rarely triggers it, a burst of large ones does once per 64 MB.
/// </summary>
internal static class CaptureReclaimer
{
    internal const long ReclaimAfterBytes = 64L * 1024 * 1024;

    private static long _released;

    public static void Released(long bytes)
    {
        if (bytes > 0 && Interlocked.Add(ref _released, bytes) >= ReclaimAfterBytes
            && Interlocked.Exchange(ref _released, 0) >= ReclaimAfterBytes)
        {
            GC.Collect(2, GCCollectionMode.Forced, blocking: false);
        }
    }
}
