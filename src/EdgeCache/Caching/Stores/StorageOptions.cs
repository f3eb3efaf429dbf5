namespace EdgeCache.Caching.Stores;

/// <summary>Storage tiers from <c>EdgeCache:Storage</c>.</summary>
public sealed class StorageOptions
{
    /// <summary>Its configuration section.</summary>
    public const string Section = "EdgeCache:Storage";

    public MemoryStoreOptions Memory { get; set; } = new();
    public DiskStoreOptions Disk { get; set; } = new();
    public RedisStoreOptions Redis { get; set; } = new();
}

public sealed class MemoryStoreOptions
{
    /// <summary>Upper bound of the memory tier in bytes (bodies plus headers); least recently used entries go first.</summary>
    public long MaxBytes { get; set; } = 256L * 1024 * 1024;
}

public sealed class DiskStoreOptions
{
    /// <summary>Keep a persistent copy of every entry on disk.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The cache folder, relative to the content root unless absolute (<c>--cache-dir</c>).</summary>
    public string Path { get; set; } = "cache";

    /// <summary>Upper bound of the disk tier in bytes; least recently used entries go first.</summary>
    public long MaxBytes { get; set; } = 1024L * 1024 * 1024;
}
