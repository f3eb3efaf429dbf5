namespace EdgeCache.Templates;

/// <summary>
/// The templates EdgeCache renders, by name (the file's path under the templates folder without
/// <c>.cshtml</c>), and the model each one is rendered with. <c>sites/HOST/NAME</c> overrides
/// <c>NAME</c> for one site and takes the same model.
/// </summary>
internal static class TemplateNames
{
    public const string Layout = "layout";
    public const string Status = "status";
    public const string Banner = "banner";
    public const string DefaultError = "errors/default";
    public const string SitesFolder = "sites/";
    private const string ErrorsFolder = "errors/";

    public static string Error(int status) => ErrorsFolder + status.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The model type a template must declare with <c>@model</c>; null for other files (partials), which choose their own.</summary>
    public static Type? ModelFor(string name)
    {
        if (name.StartsWith(SitesFolder, StringComparison.OrdinalIgnoreCase) && name.IndexOf('/', SitesFolder.Length) is > 0 and var slash)
        {
            name = name[(slash + 1)..];
        }
        if (name.Equals(Layout, StringComparison.OrdinalIgnoreCase))
        {
            return typeof(PageModel); // around every page, so it sees what all pages share
        }
        if (name.Equals(Status, StringComparison.OrdinalIgnoreCase))
        {
            return typeof(StatusPageModel);
        }
        if (name.Equals(Banner, StringComparison.OrdinalIgnoreCase))
        {
            return typeof(BannerModel);
        }
        return name.StartsWith(ErrorsFolder, StringComparison.OrdinalIgnoreCase) ? typeof(ErrorPageModel) : null;
    }
}
