using Microsoft.Extensions.Time.Testing;
using EdgeCache.Caching.Entries;
using EdgeCache.Caching.Stores;
using EdgeCache.Tests.Infrastructure;
using System.Diagnostics;
using EdgeCache.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeCache.Tests.Caching.Stores;

public sealed class DiskStoreTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    private static CacheEntry Entry(string key, int bodyBytes = 100, TimeSpan? lifetime = null) => new()
    {
        Key = key,
        StatusCode = 200,
        Body = new byte[bodyBytes],
        ResponseTime = Now,
        FreshnessLifetime = lifetime ?? TimeSpan.FromHours(1),
    };

    private static DiskStore Open(string path, long maxBytes = 1 << 30, TimeProvider? clock = null, ILogger<DiskStore>? logger = null) =>
        new(new DiskStoreOptions { Path = path, MaxBytes = maxBytes }, clock ?? new FakeTimeProvider(Now), logger ?? NullLogger<DiskStore>.Instance);

    [Fact]
    public async Task GetAsync_AfterReopen_ReturnsStoredEntry()
    {
        var path = TempDirectory.Create("disk");
        using (var store = Open(path))
        {
            await store.SetAsync(Entry("k"), default);
        }

        using var reopened = Open(path);
        await reopened.ScanCompletion;

        Assert.Equal(1, reopened.Count);
        Assert.Equal("k", (await reopened.GetAsync("k", default))?.Key);
    }

    [Fact]
    public async Task GetAndScan_EntryOfAnEarlierFormat_AMissDroppedQuietly()
    {
        var path = TempDirectory.Create("disk");
        using (var store = Open(path))
        {
            await store.SetAsync(Entry("read"), default);
            await store.SetAsync(Entry("scanned"), default);
            foreach (var key in new[] { "read", "scanned" })
            {
                var file = store.PathFor(key);
                var bytes = await File.ReadAllBytesAsync(file);
                "ECE2"u8.CopyTo(bytes); // as the format before entries named their owner
                await File.WriteAllBytesAsync(file, bytes);
            }
            Assert.Null(await store.GetAsync("read", default));
            Assert.False(File.Exists(store.PathFor("read")));
            Assert.Equal(0, store.CorruptEntries);
        }

        var logs = new LogCapture();
        using var reopened = Open(path, logger: logs.CreateLogger<DiskStore>());
        await reopened.ScanCompletion;

        Assert.Equal(0, reopened.Count);
        Assert.Equal(0, reopened.CorruptEntries);
        Assert.Empty(logs.Messages(EventIds.DiskCorruptEntry));
        Assert.Empty(Directory.GetFiles(path, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Scan_LeftoverTempFileAndDeadEntry_Removed()
    {
        var path = TempDirectory.Create("disk");
        using (var store = Open(path))
        {
            await store.SetAsync(Entry("dead", lifetime: TimeSpan.FromSeconds(1)), default);
            var temp = store.PathFor("x") + ".tmp-123";
            Directory.CreateDirectory(Path.GetDirectoryName(temp)!);
            await File.WriteAllTextAsync(temp, "half written");
            File.SetLastWriteTimeUtc(temp, DateTime.UtcNow.AddMinutes(-5));
        }

        var later = new FakeTimeProvider(Now.AddDays(2));
        using var reopened = Open(path, clock: later);
        await reopened.ScanCompletion;

        Assert.Empty(Directory.GetFiles(path, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task SetAsync_OverBound_EvictsOldest()
    {
        var path = TempDirectory.Create("disk");
        var clock = new FakeTimeProvider(Now);
        using var store = Open(path, maxBytes: 5_000, clock: clock);
        await store.ScanCompletion;
        for (var i = 0; i < 10; i++)
        {
            await store.SetAsync(Entry($"k{i}", 900), default);
            clock.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.True(store.Bytes <= 5_000);
        Assert.True(store.Evictions > 0);
        Assert.Null(await store.GetAsync("k0", default));
        Assert.NotNull(await store.GetAsync("k9", default));
    }

    [Fact]
    public async Task Scan_EntriesValidUntilEndOfTime_IndexesEveryFileSoAPrefixPurgeRemovesThemAll()
    {
        // Expires: Fri, 31 Dec 9999 23:59:59 GMT with a stale-if-error window ends past DateTimeOffset.MaxValue;
        // a lifetime of TimeSpan.MaxValue (raw ticks read back from a file) overflows TimeSpan itself.
        var endOfTime = new DateTimeOffset(9999, 12, 31, 23, 59, 59, TimeSpan.Zero);
        var path = TempDirectory.Create("disk");
        using (var store = Open(path))
        {
            for (var i = 0; i < 30; i++)
            {
                var entry = Entry($"/news/{i}");
                await store.SetAsync((i % 3) switch
                {
                    0 => entry with { FreshnessLifetime = endOfTime - Now, StaleIfError = TimeSpan.FromDays(1) },
                    1 => entry with { FreshnessLifetime = TimeSpan.MaxValue, StaleWhileRevalidate = TimeSpan.MaxValue },
                    _ => entry,
                }, default);
            }
        }

        using var reopened = Open(path);
        await reopened.ScanCompletion;
        var purged = await reopened.PurgeAsync(new PurgeRequest(PurgeKind.Prefix, "/news/", Soft: false), default);

        Assert.Equal(30, purged);
        Assert.Empty(Directory.GetFiles(path, "*", SearchOption.AllDirectories));
        Assert.Equal(0, reopened.Count);
        Assert.Equal(0, reopened.Bytes);
    }

    [Fact]
    public async Task Scan_BadFilesAndFolders_SkippedCountedLoggedOnceAndTheRestIndexed()
    {
        var path = TempDirectory.Create("disk");
        long bytes;
        using (var store = Open(path))
        {
            for (var i = 0; i < 20; i++)
            {
                await store.SetAsync(Entry($"k{i}"), default);
            }
            bytes = store.Bytes;
        }
        var shard = Directory.GetDirectories(path)[0];
        // Folders that loop back (the scan once followed them: every entry indexed under ever longer
        // aliases, exponentially many with two loops), a link to nowhere, a loop of links, a file where
        // a shard folder belongs, a folder where a file belongs, and a file name that is no entry.
        Directory.CreateSymbolicLink(Path.Combine(path, "zz"), path);
        Directory.CreateSymbolicLink(Path.Combine(shard, "up"), "..");
        File.CreateSymbolicLink(Path.Combine(shard, "nowhere.ece"), Path.Combine(path, "missing"));
        File.CreateSymbolicLink(Path.Combine(shard, "loop.ece"), Path.Combine(shard, "loop.ece"));
        await File.WriteAllTextAsync(Path.Combine(path, "0f"), "a file where a shard folder belongs");
        Directory.CreateDirectory(Path.Combine(shard, new string('e', 64) + ".ece"));
        await File.WriteAllTextAsync(Path.Combine(shard, "not-an-entry.ece"), "garbage");

        var logs = new LogCapture();
        using var reopened = Open(path, logger: logs.CreateLogger<DiskStore>());
        await reopened.ScanCompletion.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(20, reopened.Count);
        Assert.Equal(bytes, reopened.Bytes);
        Assert.Empty(logs.Messages(EventIds.DiskScanFailed));
        Assert.Single(logs.Messages(EventIds.DiskScanCompleted));
        var skipped = Assert.Single(logs.Messages(EventIds.DiskScanSkipped));
        // zz, up, nowhere.ece, loop.ece, 0f and the folder named like an entry; the garbage file is dropped as corrupt.
        Assert.Contains("skipped 6 ", skipped, StringComparison.Ordinal);
        Assert.Equal("k3", (await reopened.GetAsync("k3", default))?.Key);
    }

    [Fact]
    public async Task SetAsync_DiskFullBelowMaxBytes_EvictsLeastRecentlyUsedAndRetries()
    {
        var path = TempDirectory.Create("disk-full");
        Mount(path, "2m");
        try
        {
            var clock = new FakeTimeProvider(Now);
            using var store = Open(path, maxBytes: 1 << 30, clock: clock);
            await store.ScanCompletion;
            for (var i = 0; i < 60; i++) // 6 MB through a 2 MB disk
            {
                await store.SetAsync(Entry($"k{i}", 100_000), default);
                clock.Advance(TimeSpan.FromSeconds(1));
                if (i == 5)
                {
                    Assert.NotNull(await store.GetAsync("k0", default)); // recently used: outlives k1..k5
                }
            }

            Assert.True(store.Evictions > 0);
            Assert.NotNull(await store.GetAsync("k59", default));
            Assert.Null(await store.GetAsync("k1", default));
            Assert.Empty(Directory.GetFiles(path, "*.tmp-*", SearchOption.AllDirectories));
            Assert.Equal(Directory.GetFiles(path, "*.ece", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length), store.Bytes);
        }
        finally
        {
            Run("umount", path);
        }
    }

    [Fact]
    public async Task GetAsync_FileReplacedByFolder_MissThenTheNextWriteReplacesIt()
    {
        var path = TempDirectory.Create("disk");
        var logs = new LogCapture();
        using var store = Open(path, logger: logs.CreateLogger<DiskStore>());
        await store.ScanCompletion;
        await store.SetAsync(Entry("k"), default);
        var file = store.PathFor("k");
        File.Delete(file);
        Directory.CreateDirectory(Path.Combine(file, "inside"));

        Assert.Null(await store.GetAsync("k", default));
        Assert.Null(await store.GetAsync("k", default));
        await store.SetAsync(Entry("k"), default);

        Assert.True(File.Exists(file));
        Assert.Equal("k", (await store.GetAsync("k", default))?.Key);
        File.Delete(file);
        Directory.CreateDirectory(Path.Combine(file, "inside"));
        await store.RemoveAsync("k", default); // a purge of the key heals it too
        Assert.False(Path.Exists(file));
        await store.SetAsync(Entry("k"), default);
        Assert.Equal("k", (await store.GetAsync("k", default))?.Key);
        Assert.DoesNotContain(logs.Entries, e => e.Level >= LogLevel.Warning);
    }

    [Fact]
    public async Task SetAsync_ShardFolderReplacedByFile_ReplacesIt()
    {
        var path = TempDirectory.Create("disk");
        using var store = Open(path);
        await store.ScanCompletion;
        var shard = Path.GetDirectoryName(store.PathFor("k"))!;
        await File.WriteAllTextAsync(shard, "a file where the shard folder belongs");

        Assert.Null(await store.GetAsync("k", default));
        await store.RemoveAsync("k", default);
        await store.SetAsync(Entry("k"), default);

        Assert.Equal("k", (await store.GetAsync("k", default))?.Key);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Scan_UnreadableShardFolderAsUnprivilegedUser_SkippedLoggedOnceAndTheRestIndexed()
    {
        // Issue 15: a shard folder its user cannot read (chmod 000) aborted the scan. Root reads
        // it anyway, so EdgeCache runs here as the unprivileged user nobody (setpriv; the test,
        // like the tmpfs one, needs root).
        var path = TempDirectory.Create("disk-unreadable");
        using (var store = Open(path))
        {
            for (var i = 0; i < 40; i++)
            {
                // Fresh for years: the process below runs on the real clock.
                await store.SetAsync(Entry($"k{i}", lifetime: TimeSpan.FromDays(3650)), default);
            }
        }
        var shards = Directory.GetDirectories(path).Order(StringComparer.Ordinal).ToArray();
        var unreadable = shards[0];
        var lost = Directory.GetFiles(unreadable).Length;
        File.SetUnixFileMode(path, (UnixFileMode)0b111_111_111);
        foreach (var shard in shards[1..])
        {
            File.SetUnixFileMode(shard, (UnixFileMode)0b111_111_111);
        }
        File.SetUnixFileMode(unreadable, UnixFileMode.None);

        // A home of its own (ASP.NET Core keeps its data-protection keys there), not inside the cache folder.
        var home = TempDirectory.Create("disk-unreadable-home");
        File.SetUnixFileMode(home, (UnixFileMode)0b111_111_111);
        var start = new ProcessStartInfo("setpriv")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = path,
        };
        foreach (var argument in (string[])["--reuid=65534", "--regid=65534", "--clear-groups", "env", $"HOME={home}",
            "dotnet", Path.Combine(AppContext.BaseDirectory, "EdgeCache.dll"), "--origin", "http://127.0.0.1:9",
            "--urls", "http://127.0.0.1:0", "--management-urls", "http://127.0.0.1:0", "--cache-dir", path])
        {
            start.ArgumentList.Add(argument);
        }
        using var edge = Process.Start(start)!;
        var output = new List<string>();
        try
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            while (await edge.StandardOutput.ReadLineAsync(deadline.Token) is { } line)
            {
                output.Add(line);
                if (line.Contains("entries indexed", StringComparison.Ordinal))
                {
                    break;
                }
            }
        }
        finally
        {
            edge.Kill(entireProcessTree: true);
            await edge.WaitForExitAsync();
            File.SetUnixFileMode(unreadable, (UnixFileMode)0b111_111_111);
        }

        var log = string.Join('\n', output);
        Assert.True(output.Count > 0 && output[^1].Contains("entries indexed", StringComparison.Ordinal),
            $"the scan never completed as nobody:\n{log}\n{await edge.StandardError.ReadToEndAsync()}");
        Assert.True(output[^1].Contains($": {40 - lost} entries indexed, 0 corrupt dropped", StringComparison.Ordinal), log);
        Assert.Single(output, line => line.Contains("skipped 1 files and folders", StringComparison.Ordinal));
        Assert.Contains(output, line => line.Contains($"the first {unreadable}", StringComparison.Ordinal));
        Assert.DoesNotContain(output, line => line.Contains("fail", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task PurgeAsync_Url_ItsEntryAndVariantsOnly_AlsoAfterTheScanRebuiltTheIndex()
    {
        // URL purges go through an index of each URL's entries (tests/EdgeCache.Benchmarks,
        // PurgeBenchmarks: 36 ns against 1.06 ms for a walk of 20,000 entries): it must find what a walk finds.
        var path = TempDirectory.Create("disk-url-purge");
        string[] purged = ["GET http://a/x", "GET http://a/x\nv:accept-language=en", "GET http://a/x\nh:X-Theme=dark"];
        string[] kept = ["GET http://a/xy", "GET http://a/xy\nv:accept-language=en", "GET http://a/\nv:accept-language=en"];
        using (var store = Open(path))
        {
            foreach (var key in purged.Concat(kept))
            {
                await store.SetAsync(Entry(key), default);
            }
            Assert.Equal(2, await store.PurgeAsync(new PurgeRequest(PurgeKind.Url, "GET http://a/xy", Soft: false), default)); // and its variant
            Assert.Null(await store.GetAsync("GET http://a/xy", default));
            await store.SetAsync(Entry(kept[0]), default);
            await store.SetAsync(Entry(kept[1]), default);
        }

        using var reopened = Open(path);
        await reopened.ScanCompletion.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(3, await reopened.PurgeAsync(new PurgeRequest(PurgeKind.Url, "GET http://a/x", Soft: false), default));

        foreach (var key in purged)
        {
            Assert.Null(await reopened.GetAsync(key, default));
        }
        foreach (var key in kept)
        {
            Assert.NotNull(await reopened.GetAsync(key, default));
        }
        Assert.Equal(0, await reopened.PurgeAsync(new PurgeRequest(PurgeKind.Url, "GET http://a/x", Soft: false), default));
    }

    private static void Mount(string path, string size)
    {
        var (code, output) = Run("mount", "-t", "tmpfs", "-o", $"size={size}", "tmpfs", path);
        Assert.True(code == 0, $"mounting a {size} tmpfs on {path} failed (the test needs root): {output}");
    }

    private static (int Code, string Output) Run(string command, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(command, arguments) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output);
    }
}
