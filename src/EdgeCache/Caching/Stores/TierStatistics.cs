namespace EdgeCache.Caching.Stores;

/// <summary>What a tier can tell about itself for the metrics; null where it cannot (Redis keeps its own counts).</summary>
internal readonly record struct TierStatistics(string Tier, long? Count, long? Bytes, long? Evictions, long? Corrupt, long? Lookups)
{
    /// <summary>Failures of the tier, each treated as a miss or a skipped write (and writes dropped from a full queue).</summary>
    public long? Errors { get; init; }

    /// <summary>The tier is in use (a shared tier that is disconnected or skipped by its circuit breaker is not); null for the memory tier.</summary>
    public bool? Up { get; init; }
}

/// <summary>Where the metrics read every tier's figures.</summary>
internal interface ITierStatisticsSource
{
    IReadOnlyList<TierStatistics> Statistics { get; }
}

/// <summary>A tier that reports <see cref="TierStatistics"/>.</summary>
internal interface IReportsStatistics
{
    TierStatistics Statistics { get; }
}
