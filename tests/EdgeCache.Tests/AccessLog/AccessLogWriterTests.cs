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

    [Fact]
    public async Task Write_OutputBlocked_QueueBoundedByItsSizeNotOnlyItsLineCount()
    {
        var output = new BlockedOutput();
        var line = new string('x', 100_000); // a request with a long path and user agent, escaped
        const int Lines = 2_000; // 200 million characters: gigabytes, were they all queued
        await using (var writer = new AccessLogWriter(new AccessLogOutput(() => output), TimeProvider.System, NullLogger<AccessLogWriter>.Instance))
        {
            writer.Write("first");
            await output.Entered.Task; // the loop is stuck writing it
            for (var i = 0; i < Lines; i++)
            {
                writer.Write(line);
            }
            output.Release.SetResult();
        }

        var written = output.Lines;
        Assert.Equal("first", written[0]);
        Assert.InRange(written.Count - 1, 1, AccessLogWriter.MaxQueuedChars / line.Length);
    }

    /// <summary>An output that takes nothing until released, as a full pipe nobody reads.</summary>
    private sealed class BlockedOutput : Stream
    {
        private readonly MemoryStream _written = new();

        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public List<string> Lines
        {
            get
            {
                lock (_written)
                {
                    return System.Text.Encoding.ASCII.GetString(_written.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
                }
            }
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Entered.TrySetResult();
            await Release.Task;
            lock (_written)
            {
                _written.Write(buffer.Span);
            }
        }

        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public override void Flush() { }
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
