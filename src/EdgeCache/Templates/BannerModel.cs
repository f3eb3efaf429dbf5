namespace EdgeCache.Templates;

/// <summary>The model of <c>banner.cshtml</c>, the notice at the top of a stale page (no layout).</summary>
public sealed class BannerModel
{
    /// <summary>The copy's age in words: <c>less than a minute</c>, <c>10 minutes</c>, <c>3 hours</c>, <c>2 days</c>.</summary>
    public required string AgeText { get; init; }

    /// <summary>The copy's age in whole minutes.</summary>
    public required int AgeMinutes { get; init; }
}
