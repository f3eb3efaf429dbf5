using EdgeCache.Origin;
using Microsoft.AspNetCore.Http;

namespace EdgeCache.Tests.Origin;

/// <summary>
/// The capture pool's budget is process-wide: these run alone, so that the proxies of other tests
/// running meanwhile cannot take part of the budget they measure.
/// </summary>
[Collection(nameof(CapturePoolCollection))]
public sealed class CaptureStreamTests
{
    private const long MaxObjectBytes = 8 * 1024 * 1024;

    [Fact]
    public async Task WriteAsync_SixtyFourLargeBodiesWithoutLength_HeldWithinTheSharedBudgetAndAllReturned()
    {
        var captures = Enumerable.Range(0, 64).Select(_ => new CaptureStream(new DefaultHttpContext(), MaxObjectBytes)).ToArray();
        var block = new byte[64 * 1024];
        var overflows = new List<Task>();
        var peak = 0L;
        // 12 MB each, interleaved as concurrent downloads arrive; a capture past its limit waits for its reader.
        for (var offset = 0; offset < 12 * 1024 * 1024; offset += block.Length)
        {
            foreach (var capture in captures.Where(c => !c.TooLarge))
            {
                var write = capture.WriteAsync(block);
                if (!write.IsCompleted)
                {
                    overflows.Add(write.AsTask());
                    capture.Abandon(); // no reader takes it: the fetch ends
                }
            }
            peak = Math.Max(peak, captures.Sum(c => c.BufferedBytes));
        }

        Assert.Equal(64, overflows.Count);
        Assert.All(overflows, task => Assert.IsType<CaptureStream.ObjectTooLargeException>(task.Exception!.InnerException));
        Assert.InRange(peak, 1, CapturePool.BudgetFor(MaxObjectBytes));
        Assert.Equal(0, captures.Sum(c => c.BufferedBytes));
    }

    [Fact]
    public async Task TakeCaptured_BodyWithoutLength_WholeBodyAndChunksReturned()
    {
        var capture = new CaptureStream(new DefaultHttpContext(), MaxObjectBytes);
        var body = Enumerable.Range(0, 200_000).Select(i => (byte)(i % 251)).ToArray();

        for (var offset = 0; offset < body.Length; offset += 30_000)
        {
            await capture.WriteAsync(body.AsMemory(offset, Math.Min(30_000, body.Length - offset)));
        }

        Assert.Equal(body, capture.TakeCaptured().ToArray());
        Assert.Equal(0, capture.BufferedBytes);
    }
}

[CollectionDefinition(nameof(CapturePoolCollection), DisableParallelization = true)]
public sealed class CapturePoolCollection;
