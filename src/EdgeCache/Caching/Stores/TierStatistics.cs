namespace EdgeCache.Caching.Stores;

/// <summary>What a tier can tell about itself for the metrics; null where it cannot (Redis keeps its own counts).</summary>
internal readonly record struct TierStatistics(string Tier, long? Count, long? Bytes, long? Evictions, long? Corrupt, long? Lookups);

/// <summary>A tier that reports <see cref="TierStatistics"/>.</summary>
internal interface IReportsStatistics
{
    TierStatistics Statistics { get; }
}
