using System.Collections.Concurrent;

namespace EdgeCache.Origin;

/// <summary>
/// The chunks every capture in flight shares: at most <see cref="BudgetFor"/> bytes rented at
/// once, and never more arrays made than that, reused thereafter; so capture memory is a fixed
/// overhead however many large downloads run at once (issue 15: 64 concurrent 12 MB downloads
/// without Content-Length took 400 MB and kept it). A capture that finds the budget spent is
/// handled as too large: its reader gets it streamed through, uncached (a later request stores it).
/// </summary>
internal static class CapturePool
{
    /// <summary>The budget at the default maximum object size (8 MB): 64 MB.</summary>
    internal const long MinBudgetBytes = 64L * 1024 * 1024;

    private static readonly ConcurrentStack<byte[]> Free = new();
    private static long _rented;

    /// <summary>At least <see cref="MinBudgetBytes"/>, and room for two captures of the largest object.</summary>
    internal static long BudgetFor(long maxObjectBytes) => Math.Max(MinBudgetBytes, 2 * maxObjectBytes);

    /// <summary>Bytes rented now.</summary>
    internal static long RentedBytes => Volatile.Read(ref _rented);

    /// <summary>A chunk of <see cref="CaptureStream.ChunkSize"/> bytes, or null when the budget is spent.</summary>
    public static byte[]? TryRent(long maxObjectBytes)
    {
        if (Interlocked.Add(ref _rented, CaptureStream.ChunkSize) > BudgetFor(maxObjectBytes))
        {
            Interlocked.Add(ref _rented, -CaptureStream.ChunkSize);
            return null;
        }
        return Free.TryPop(out var chunk) ? chunk : new byte[CaptureStream.ChunkSize];
    }

    public static void Return(byte[] chunk)
    {
        Free.Push(chunk);
        Interlocked.Add(ref _rented, -CaptureStream.ChunkSize);
    }
}
