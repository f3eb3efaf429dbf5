namespace EdgeCache.Templates;

/// <summary>One operator notice (<c>POST /admin/notice</c>): plain text, encoded like every other value.</summary>
public sealed class NoticeModel
{
    public required string Id { get; init; }

    /// <summary>The operator's text, as given (plain text).</summary>
    public required string Text { get; init; }

    /// <summary>The host it is for; null for every site.</summary>
    public required string? Site { get; init; }

    /// <summary>When it was posted, in UTC: <c>14:02 UTC</c> (with the date when not today).</summary>
    public required string Posted { get; init; }

    /// <summary>When it goes away, the same way; null when it stays until deleted.</summary>
    public required string? Expires { get; init; }
}
