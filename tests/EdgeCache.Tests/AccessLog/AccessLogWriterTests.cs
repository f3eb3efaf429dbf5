using EdgeCache.AccessLog;
using EdgeCache.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeCache.Tests.AccessLog;

public sealed class AccessLogWriterTests
{
    [Fact]
    public async Task Write_ManyLines_WholeLinesInWritesAPipeNeverInterleaves()
    {
        var capture = new AccessLogCapture();
        var lines = Enumerable.Range(0, 500).Select(i => $"line {i} " + new string('x', i % 300)).ToList();
        var huge = "huge " + new string('y', 10_000);
        await using (var writer = new AccessLogWriter(new AccessLogOutput(() => capture), TimeProvider.System, NullLogger<AccessLogWriter>.Instance))
        {
            foreach (var line in lines.Take(250).Append(huge).Concat(lines.Skip(250)))
            {
                writer.Write(line);
            }
        } // stopping writes what is queued

        Assert.Equal([.. lines.Take(250), huge, .. lines.Skip(250)], capture.Lines);
        Assert.All(capture.Writes, write =>
        {
            Assert.Equal((byte)'\n', write[^1]);
            Assert.True(write.Length <= AccessLogWriter.AtomicWrite || write.Count(b => b == '\n') == 1, "a write over 4096 bytes holds one line");
        });
    }
}
