namespace EdgeCache.Templates;

/// <summary>
/// What every full page gives the layout (<c>layout.cshtml</c> declares <c>@model PageModel</c>).
/// The page models are public because templates compile into their own assemblies.
/// </summary>
public abstract class PageModel
{
    /// <summary>The page's title, for <c>&lt;title&gt;</c> (the error pages' reason phrase, "Service status").</summary>
    public required string Title { get; init; }

    /// <summary>The operators' notices for this page's site (<c>POST /admin/notice</c>), newest first; the layout shows them on every page.</summary>
    public IReadOnlyList<NoticeModel> Notices { get; init; } = [];
}
