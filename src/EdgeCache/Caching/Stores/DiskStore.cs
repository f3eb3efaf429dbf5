using EdgeCache.Caching.Keys;
using System.Collections.Concurrent;
using System.IO.Enumeration;
using System.Security.Cryptography;
using System.Text;
using EdgeCache.Caching.Entries;
using Microsoft.Extensions.Logging;
using EdgeCache.Diagnostics;

namespace EdgeCache.Caching.Stores;

/// <summary>
/// The persistent tier on one machine: one file per entry under a two-level folder named by the
/// SHA-256 of the key, written atomically (temp file, then rename), each with its checksum.
/// The size index is rebuilt by a background scan at start-up, which drops corrupt, truncated
/// and dead entries; serving does not wait for it, since a lookup reads the entry's file directly.
/// Whatever else is found in the folder (links, loops, folders named like entries, unreadable files)
/// is skipped and counted, never followed; a write that finds a folder where its file belongs, or a
/// file where its shard folder belongs, replaces it. A write the disk has no room for evicts least
/// recently used entries and is retried once, whatever <see cref="DiskStoreOptions.MaxBytes"/> says.
/// </summary>
internal sealed partial class DiskStore : ICacheStore, IReportsStatistics, IDisposable
{
    private const string Extension = ".ece";
    private const string TempMarker = ".tmp-";

    private readonly ConcurrentDictionary<string, IndexItem> _index = new(StringComparer.Ordinal);

    /// <summary>The paths of each URL's entries (its own and its variants', by <see cref="CacheKeys.UrlKey"/>), for URL purges; locked on itself.</summary>
    private readonly Dictionary<string, HashSet<string>> _pathsByUrl = new(StringComparer.Ordinal);
    private readonly string _root;
    private readonly long _maxBytes;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _evictionLock = new();
    private readonly DateTime _openedAt = DateTime.UtcNow; // file times are wall-clock times
    private long _bytes;
    private long _corrupt;
    private long _evictions;

    public DiskStore(DiskStoreOptions options, TimeProvider time, ILogger<DiskStore> logger)
    {
        _root = Path.GetFullPath(options.Path);
        _maxBytes = options.MaxBytes;
        _time = time;
        _logger = logger;
        Directory.CreateDirectory(_root);
        ScanCompletion = Task.Run(() => Scan(_stopping.Token));
    }

    public string Name => "disk";

    /// <summary>Completes when the start-up scan has rebuilt the index.</summary>
    public Task ScanCompletion { get; }

    public string RootPath => _root;
    public long Bytes => Interlocked.Read(ref _bytes);
    public int Count => _index.Count;
    public long CorruptEntries => Interlocked.Read(ref _corrupt);
    public long Evictions => Interlocked.Read(ref _evictions);

    public TierStatistics Statistics => new(Name, Count, Bytes, Evictions, CorruptEntries, null);

    public async ValueTask<CacheEntry?> GetAsync(string key, CancellationToken cancellationToken)
    {
        var path = PathFor(key);
        byte[] data;
        try
        {
            // The entry's body refers to these bytes, which may stay in the memory tier for long:
            // pinned-heap storage, like bodies fetched from the origin.
            await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1, useAsync: true);
            data = CacheEntry.AllocateBody((int)file.Length);
            await file.ReadExactlyAsync(data, cancellationToken);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (EndOfStreamException)
        {
            data = []; // shorter than it said: treated as corrupt below
        }
        catch (UnauthorizedAccessException) when (Directory.Exists(path))
        {
            return null; // a folder where the file belongs: a miss, and the next write replaces it
        }
        var entry = CacheEntryFormatter.Deserialize(data);
        if (entry is null)
        {
            Drop(path, data);
            return null;
        }
        if (!string.Equals(entry.Key, key, StringComparison.Ordinal))
        {
            return null;
        }
        Touch(path, data.Length, entry);
        return entry;
    }

    public async ValueTask SetAsync(CacheEntry entry, CancellationToken cancellationToken)
    {
        var data = CacheEntryFormatter.Serialize(entry);
        var path = PathFor(entry.Key);
        try
        {
            await WriteAsync(path, data, cancellationToken);
        }
        catch (IOException ex) when (IsDiskFull(ex))
        {
            // The disk holds less than MaxBytes (shared with others, or a small volume): make room
            // at the expense of the least recently used entries, then try once more.
            var freed = EvictForSpace(data.Length);
            LogDiskFull(_logger, _root, freed, Bytes);
            await WriteAsync(path, data, cancellationToken);
        }
        Track(path, data.Length, entry.Key, entry.Tags);
        EvictIfNeeded();
    }

    public async ValueTask<int> PurgeAsync(PurgeRequest request, CancellationToken cancellationToken)
    {
        var count = 0;
        // A URL purge (every successful unsafe request makes one, RFC 9111 4.4) reads the URL's own
        // entries; prefix and tag purges go through the whole index.
        var candidates = request.Kind == PurgeKind.Url
            ? PathsOf(request.Value).Select(path => (Path: path, Item: _index.TryGetValue(path, out var item) ? item : null))
            : _index.ToArray().Select(pair => (Path: pair.Key, Item: (IndexItem?)pair.Value));
        foreach (var (path, item) in candidates.ToArray())
        {
            if (item is null || !request.Matches(item.Key, item.Tags))
            {
                continue;
            }
            count++;
            if (!request.Soft)
            {
                TryDelete(path);
                Untrack(path);
            }
            else if (await GetAsync(item.Key, cancellationToken) is { } entry)
            {
                await SetAsync(PurgeRequest.MarkStale(entry), cancellationToken);
            }
        }
        return count;
    }

    public ValueTask RemoveAsync(string key, CancellationToken cancellationToken)
    {
        var path = PathFor(key);
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true); // a folder where the file belongs
        }
        else if (Directory.Exists(Path.GetDirectoryName(path)))
        {
            File.Delete(path);
        }
        else if (File.Exists(Path.GetDirectoryName(path)))
        {
            File.Delete(Path.GetDirectoryName(path)!); // a file where the shard folder belongs: it holds no entry
        }
        Untrack(path);
        return ValueTask.CompletedTask;
    }

    public void Dispose()
    {
        _stopping.Cancel();
        try
        {
            ScanCompletion.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // The scan logs its own failures.
        }
        _stopping.Dispose();
    }

    private async Task WriteAsync(string path, byte[] data, CancellationToken cancellationToken)
    {
        var shard = Path.GetDirectoryName(path)!;
        if (File.Exists(shard))
        {
            File.Delete(shard); // a file where the shard folder belongs
        }
        Directory.CreateDirectory(shard);
        var temp = path + TempMarker + Guid.NewGuid().ToString("N");
        try
        {
            await File.WriteAllBytesAsync(temp, data, cancellationToken);
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true); // a folder where the file belongs
            }
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>No space left on the device (or in the quota).</summary>
    private static bool IsDiskFull(IOException ex) => OperatingSystem.IsWindows()
        ? (ex.HResult & 0xFFFF) is 0x27 or 0x70 // ERROR_HANDLE_DISK_FULL, ERROR_DISK_FULL
        : ex.HResult is 28 or 122; // ENOSPC, EDQUOT (Linux numbers; .NET reports the raw errno)

    /// <summary>
    /// Evicts least recently used entries until <paramref name="needed"/> bytes plus a tenth of the
    /// tier are freed, so that a disk that stays full evicts in batches, not on every write.
    /// </summary>
    private long EvictForSpace(long needed)
    {
        var target = needed + Bytes / 10;
        long freed = 0;
        lock (_evictionLock)
        {
            foreach (var (path, item) in _index.ToArray().OrderBy(p => p.Value.LastAccess))
            {
                if (freed >= target)
                {
                    break;
                }
                TryDelete(path);
                Untrack(path);
                Interlocked.Increment(ref _evictions);
                freed += item.Size;
            }
        }
        return freed;
    }

    /// <summary>
    /// The end of the entry's last stale window, clamped to the representable range: an origin may
    /// send <c>Expires: Fri, 31 Dec 9999 23:59:59 GMT</c>, and a file holds whatever ticks it holds.
    /// </summary>
    private static DateTimeOffset UsefulUntil(CacheEntry entry)
    {
        var stale = Math.Max(entry.StaleWhileRevalidate.Ticks, entry.StaleIfError.Ticks);
        var end = (Int128)entry.ResponseTime.UtcTicks + entry.FreshnessLifetime.Ticks + stale - entry.InitialAge.Ticks;
        return end >= DateTimeOffset.MaxValue.UtcTicks ? DateTimeOffset.MaxValue
            : end <= DateTimeOffset.MinValue.UtcTicks ? DateTimeOffset.MinValue
            : new DateTimeOffset((long)end, TimeSpan.Zero);
    }

    internal string PathFor(string key)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(key), hash);
        var name = Convert.ToHexStringLower(hash);
        return Path.Combine(_root, name[..2], name + Extension);
    }

    /// <summary>
    /// Rebuilds the index from the shard folders (<c>root/ab/*.ece</c>), one level each, following no
    /// link. Anything that fails or does not belong is skipped, counted and logged once per scan (the
    /// first of them, with the reason), so one bad file or folder never hides the rest from purges,
    /// eviction and metrics.
    /// </summary>
    private void Scan(CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        var result = new ScanResult();
        try
        {
            var now = _time.GetUtcNow();
            foreach (var folder in List(_root))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (!folder.IsDirectory || folder.IsLink)
                {
                    result.Skip(folder.Path, folder.IsLink ? "a link" : "a file where a shard folder belongs");
                    continue;
                }
                try
                {
                    foreach (var file in List(folder.Path))
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        ScanFile(file, now, result);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    result.Skip(folder.Path, ex.Message);
                }
            }
            EvictIfNeeded();
            if (result.Skipped > 0)
            {
                LogScanSkipped(_logger, _root, result.Skipped, result.FirstPath!, result.FirstReason!);
            }
            LogScanCompleted(_logger, _root, result.Valid, result.Dropped, _time.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception ex)
        {
            LogScanFailed(_logger, _root, ex);
        }
    }

    private void ScanFile(FolderItem file, DateTimeOffset now, ScanResult result)
    {
        if (file.IsDirectory || file.IsLink)
        {
            result.Skip(file.Path, file.IsLink ? "a link" : "a folder");
            return;
        }
        var path = file.Path;
        try
        {
            if (path.Contains(TempMarker, StringComparison.Ordinal))
            {
                // Left by a write that never finished, unless it may be one of this process's writes in
                // progress (file times come from a coarse kernel clock, hence the margin).
                if (File.GetLastWriteTimeUtc(path) < _openedAt - TimeSpan.FromMinutes(1))
                {
                    TryDelete(path);
                }
                return;
            }
            if (!path.EndsWith(Extension, StringComparison.Ordinal))
            {
                result.Skip(path, "not a cache entry");
                return;
            }
            var data = File.ReadAllBytes(path);
            var entry = CacheEntryFormatter.Deserialize(data);
            if (entry is null)
            {
                Drop(path, data);
                result.Dropped++;
                return;
            }
            if (entry.Kind == CacheEntryKind.Response && UsefulUntil(entry) < now)
            {
                TryDelete(path); // past every stale window: of no use to anyone
                return;
            }
            Track(path, data.Length, entry.Key, entry.Tags, File.GetLastWriteTimeUtc(path).Ticks);
            result.Valid++;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            result.Skip(path, ex.Message);
        }
    }

    /// <summary>A folder's entries, one level, with what they are; links are reported, not followed.</summary>
    private static FileSystemEnumerable<FolderItem> List(string folder) =>
        new(folder, (ref FileSystemEntry e) => new FolderItem(
                e.ToFullPath(), e.IsDirectory, (e.Attributes & FileAttributes.ReparsePoint) != 0),
            new EnumerationOptions { AttributesToSkip = 0, IgnoreInaccessible = false, RecurseSubdirectories = false });

    private readonly record struct FolderItem(string Path, bool IsDirectory, bool IsLink);

    private sealed class ScanResult
    {
        public int Valid;
        public int Dropped;
        public int Skipped;
        public string? FirstPath;
        public string? FirstReason;

        public void Skip(string path, string reason)
        {
            Skipped++;
            FirstPath ??= path;
            FirstReason ??= reason;
        }
    }

    /// <summary>Bytes that are no entry: corrupt (reported), or written by an earlier EdgeCache (a miss, dropped quietly).</summary>
    private void Drop(string path, byte[] data)
    {
        if (CacheEntryFormatter.IsEarlierFormat(data))
        {
            TryDelete(path);
            Untrack(path);
            return;
        }
        DropCorrupt(path);
    }

    private void DropCorrupt(string path)
    {
        Interlocked.Increment(ref _corrupt);
        LogCorruptEntry(_logger, path);
        TryDelete(path);
        Untrack(path);
    }

    private void Track(string path, long size, string key, string[] tags, long? lastAccess = null)
    {
        var item = new IndexItem(size, lastAccess ?? _time.GetUtcNow().UtcTicks, key, tags);
        _index.AddOrUpdate(path,
            _ => { Interlocked.Add(ref _bytes, size); return item; },
            (_, old) => { Interlocked.Add(ref _bytes, size - old.Size); return item; });
        lock (_pathsByUrl)
        {
            var url = CacheKeys.UrlKey(key);
            if (!_pathsByUrl.TryGetValue(url, out var paths))
            {
                _pathsByUrl[url] = paths = new HashSet<string>(StringComparer.Ordinal);
            }
            paths.Add(path);
        }
    }

    private string[] PathsOf(string url)
    {
        lock (_pathsByUrl)
        {
            return _pathsByUrl.TryGetValue(url, out var paths) ? [.. paths] : [];
        }
    }

    private void Touch(string path, long size, CacheEntry entry)
    {
        if (_index.TryGetValue(path, out var item))
        {
            item.LastAccess = _time.GetUtcNow().UtcTicks;
        }
        else
        {
            Track(path, size, entry.Key, entry.Tags);
        }
    }

    private void Untrack(string path)
    {
        if (_index.TryRemove(path, out var old))
        {
            Interlocked.Add(ref _bytes, -old.Size);
            lock (_pathsByUrl)
            {
                var url = CacheKeys.UrlKey(old.Key);
                if (_pathsByUrl.TryGetValue(url, out var paths) && paths.Remove(path) && paths.Count == 0)
                {
                    _pathsByUrl.Remove(url);
                }
            }
        }
    }

    private void EvictIfNeeded()
    {
        if (Bytes <= _maxBytes)
        {
            return;
        }
        lock (_evictionLock)
        {
            // Evict down to 90% so eviction runs in batches, not on every write.
            var target = _maxBytes / 10 * 9;
            foreach (var (path, _) in _index.ToArray().OrderBy(p => p.Value.LastAccess))
            {
                if (Bytes <= target)
                {
                    break;
                }
                TryDelete(path);
                Untrack(path);
                Interlocked.Increment(ref _evictions);
            }
        }
    }

    private void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException ex)
        {
            LogDeleteFailed(_logger, path, ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            LogDeleteFailed(_logger, path, ex);
        }
    }

    private sealed class IndexItem(long size, long lastAccess, string key, string[] tags)
    {
        public long Size { get; } = size;
        public string Key { get; } = key;
        public string[] Tags { get; } = tags;
        public long LastAccess { get; set; } = lastAccess;
    }

    [LoggerMessage(EventId = EventIds.DiskCorruptEntry, EventName = nameof(EventIds.DiskCorruptEntry), Level = LogLevel.Warning,
        Message = "Dropped a corrupt or truncated cache file {Path}")]
    private static partial void LogCorruptEntry(ILogger logger, string path);

    [LoggerMessage(EventId = EventIds.DiskScanCompleted, EventName = nameof(EventIds.DiskScanCompleted), Level = LogLevel.Information,
        Message = "Disk cache {Root}: {Valid} entries indexed, {Dropped} corrupt dropped, in {ElapsedMs:0} ms")]
    private static partial void LogScanCompleted(ILogger logger, string root, int valid, int dropped, double elapsedMs);

    [LoggerMessage(EventId = EventIds.DiskScanFailed, EventName = nameof(EventIds.DiskScanFailed), Level = LogLevel.Error,
        Message = "Disk cache scan of {Root} failed; entries are still found on lookup")]
    private static partial void LogScanFailed(ILogger logger, string root, Exception exception);

    [LoggerMessage(EventId = EventIds.DiskScanSkipped, EventName = nameof(EventIds.DiskScanSkipped), Level = LogLevel.Warning,
        Message = "Disk cache scan of {Root} skipped {Skipped} files and folders it could not use, the first {Path}: {Reason}")]
    private static partial void LogScanSkipped(ILogger logger, string root, int skipped, string path, string reason);

    [LoggerMessage(EventId = EventIds.DiskFull, EventName = nameof(EventIds.DiskFull), Level = LogLevel.Warning,
        Message = "Disk cache {Root}: no space left on the device; evicted {Freed} bytes of least recently used entries to write ({Bytes} bytes held)")]
    private static partial void LogDiskFull(ILogger logger, string root, long freed, long bytes);

    [LoggerMessage(EventId = EventIds.DiskDeleteFailed, EventName = nameof(EventIds.DiskDeleteFailed), Level = LogLevel.Warning,
        Message = "Could not delete cache file {Path}")]
    private static partial void LogDeleteFailed(ILogger logger, string path, Exception exception);
}
