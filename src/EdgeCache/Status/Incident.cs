namespace EdgeCache.Status;

/// <summary>A time a site was not fully up: its state, when it began and ended (null while ongoing), stale copies served meanwhile.</summary>
internal sealed record Incident(SiteCondition Condition, DateTimeOffset Start, DateTimeOffset? End, long StaleServed);
