using HandlebarsDotNet;

namespace EdgeCache.Templates;

/// <summary>
/// Compiles every <c>*.hbs</c> file under the templates folder into a name → template map. The
/// name is the file's path relative to the folder, without the extension and with forward
/// slashes (<c>errors/503</c>, <c>sites/www.example.com/layout</c>). Every file that fails to
/// compile is reported with its path.
/// </summary>
internal static class TemplateCompiler
{
    public const string Extension = ".hbs";

    public sealed record Result(IReadOnlyDictionary<string, HandlebarsTemplate<object, object>> Templates, IReadOnlyList<string> Errors);

    public static Result Compile(string root)
    {
        var templates = new Dictionary<string, HandlebarsTemplate<object, object>>(StringComparer.OrdinalIgnoreCase);
        var errors = new List<string>();
        if (!Directory.Exists(root))
        {
            return new Result(templates, errors);
        }
        // Each set gets its own environment: templates are logic-less and HTML-escape {{values}}.
        var handlebars = Handlebars.Create(new HandlebarsConfiguration { ThrowOnUnresolvedBindingExpression = false });
        foreach (var file in Directory.EnumerateFiles(root, "*" + Extension, SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var name = Path.GetRelativePath(root, file)[..^Extension.Length].Replace(Path.DirectorySeparatorChar, '/');
            try
            {
                templates[name] = handlebars.Compile(File.ReadAllText(file));
            }
            catch (Exception ex) when (ex is HandlebarsException or IOException or UnauthorizedAccessException)
            {
                errors.Add($"templates/{name}{Extension}: {ex.Message.ReplaceLineEndings(" ")}");
            }
        }
        return new Result(templates, errors);
    }
}
