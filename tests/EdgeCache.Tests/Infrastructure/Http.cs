using System.Diagnostics;

namespace EdgeCache.Tests.Infrastructure;

/// <summary>What every integration test reads from a response, and the one bounded way to wait for something to happen.</summary>
internal static class Http
{
    /// <summary>The <c>Cache-Status</c> members of a response, joined; empty when there are none.</summary>
    public static string CacheStatus(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Cache-Status", out var values) ? string.Join(", ", values) : "";

    /// <summary>Polls <paramref name="condition"/> every 50 ms until it holds; fails the test after <paramref name="seconds"/>.</summary>
    public static async Task Eventually(Func<Task<bool>> condition, string what, int seconds = 20)
    {
        var watch = Stopwatch.StartNew();
        while (!await condition())
        {
            if (watch.Elapsed > TimeSpan.FromSeconds(seconds))
            {
                Assert.Fail($"{what} did not happen within {seconds} s");
            }
            await Task.Delay(50);
        }
    }

    public static Task Eventually(Func<bool> condition, string what, int seconds = 20) =>
        Eventually(() => Task.FromResult(condition()), what, seconds);
}
