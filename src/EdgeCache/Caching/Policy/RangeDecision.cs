namespace EdgeCache.Caching.Policy;

/// <summary>The outcome and, for <see cref="RangeOutcome.Partial"/>, the first byte and the count.</summary>
internal readonly record struct RangeDecision(RangeOutcome Outcome, long Start, long Length)
{
    public static RangeDecision Full => default;

    public static RangeDecision NotSatisfiable => new(RangeOutcome.NotSatisfiable, 0, 0);

    /// <summary>The last byte's position, for <c>Content-Range</c>.</summary>
    public long End => Start + Length - 1;
}
