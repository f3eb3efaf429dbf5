using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using RazorLight;
using RazorLight.Compilation;
using RazorLight.Generation;

namespace EdgeCache.Templates;

/// <summary>
/// Compiles every <c>*.cshtml</c> file under the templates folder into a new RazorLight engine
/// and reports every error of every file, each with its file and line: Razor syntax errors, C#
/// errors (a misspelt model property), and a missing or wrong <c>@model</c>. A template's name is
/// its path under the folder without the extension, with forward slashes (<c>errors/503</c>,
/// <c>sites/www.example.com/layout</c>).
/// </summary>
/// <remarks>
/// Synchronous on purpose: RazorLight's API is asynchronous but compiles from an in-memory project
/// without ever waiting, and the caller runs this on its own thread (about 2 s of CPU the first
/// time in a process, while Roslyn warms up; then 0.1-0.4 s a template).
/// </remarks>
internal static partial class TemplateCompiler
{
    public const string Extension = ".cshtml";

    /// <summary>The set, or null when there is no folder or anything failed (then <see cref="Errors"/> says what).</summary>
    public sealed record Result(CompiledTemplates? Templates, IReadOnlyList<TemplateError> Errors);

    // Sets already compiled in this process, by content. Each compile loads assemblies that are
    // never unloaded, so unchanged files (a touch, a save without change, another host in the
    // same process) reuse the compiled set instead of loading new copies.
    private const int RememberedSets = 8;
    private static readonly ConcurrentDictionary<string, CompiledTemplates> Compiled = new(StringComparer.Ordinal);

    public static Result Compile(string root)
    {
        if (!Directory.Exists(root))
        {
            return new Result(null, []);
        }
        var folder = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(root)));
        string Display(string name) => $"{folder}/{name}{Extension}";

        var errors = new List<TemplateError>();
        var sources = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var names = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var file in Directory.EnumerateFiles(root, "*" + Extension, SearchOption.AllDirectories))
        {
            var name = Path.GetRelativePath(root, file)[..^Extension.Length].Replace(Path.DirectorySeparatorChar, '/');
            try
            {
                sources[name] = File.ReadAllText(file);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                errors.Add(new TemplateError(Display(name), 1, ex.Message.ReplaceLineEndings(" ")));
            }
        }
        foreach (var name in sources.Keys)
        {
            if (!names.TryAdd(name, name))
            {
                errors.Add(new TemplateError(Display(name), 1, $"differs from {Display(names[name])} only in case; names are matched ignoring case, keep one"));
            }
        }
        if (errors.Count > 0)
        {
            return new Result(null, errors);
        }

        var fingerprint = Fingerprint(sources);
        if (Compiled.TryGetValue(fingerprint, out var known))
        {
            return new Result(known, []);
        }

        // A new engine for every set: RazorLight caches compiled templates per engine, and a held
        // page never changes, so recompiling in an existing engine would serve old pages.
        var engine = new RazorLightEngineBuilder()
            .UseProject(new TemplateProject(sources))
            .SetOperatingAssembly(typeof(PageModel).Assembly)
            .AddDefaultNamespaces(typeof(PageModel).Namespace!)
            .UseMemoryCachingProvider()
            .Build();
        foreach (var (name, source) in sources)
        {
            try
            {
                var page = engine.CompileTemplateAsync(name).GetAwaiter().GetResult();
                var before = errors.Count;
                CheckModel(name, source, page.GetType(), Display(name), errors);
                if (errors.Count == before && TemplateNames.ModelFor(name) == typeof(PageModel)
                    && !RenderBodyCall().IsMatch(RazorComment().Replace(source, "")))
                {
                    // Without it every page inside this layout renders as an empty card.
                    errors.Add(new TemplateError(Display(name), 1, "a layout must call @RenderBody() where the page goes; without it every page renders empty"));
                }
            }
            catch (TemplateGenerationException ex)
            {
                // Razor syntax: an unclosed block, a bad directive.
                foreach (var diagnostic in ex.Diagnostics)
                {
                    var line = diagnostic.Span.LineIndex >= 0 ? diagnostic.Span.LineIndex + 1 : 1;
                    errors.Add(new TemplateError(Display(name), line, diagnostic.GetMessage(CultureInfo.InvariantCulture)));
                }
            }
            catch (TemplateCompilationException ex)
            {
                // C#: a misspelt property, a type that does not exist. Lines map back to the .cshtml
                // file through the #line directives Razor writes; code Razor generated around the
                // template (the @model type) is reported on the @model line.
                foreach (var diagnostic in ex.CompilationDiagnostics)
                {
                    var span = diagnostic.LineSpan;
                    var line = span is { } mapped && string.Equals(mapped.Path, name, StringComparison.Ordinal)
                        ? mapped.StartLinePosition.Line + 1
                        : ModelLine(source) ?? 1;
                    errors.Add(new TemplateError(Display(name), line, diagnostic.ErrorMessage));
                }
            }
            catch (RazorLightException ex)
            {
                errors.Add(new TemplateError(Display(name), 1, ex.Message.ReplaceLineEndings(" ")));
            }
            catch (InvalidOperationException ex)
            {
                // Not this template: the compiler itself cannot run (e.g. refs/ beside EdgeCache.dll
                // was not deployed), and every other template would fail the same way.
                errors.Add(new TemplateError(Display(name), 1, $"cannot compile templates here: {ex.Message.ReplaceLineEndings(" ")}"));
                break;
            }
        }
        if (errors.Count > 0)
        {
            return new Result(null, errors);
        }
        var set = new CompiledTemplates(engine, sources.Keys);
        CheckErrorPagesRender(set, sources.Keys, Display, errors);
        if (errors.Count > 0)
        {
            return new Result(null, errors);
        }
        if (Compiled.Count >= RememberedSets)
        {
            Compiled.Clear();
        }
        Compiled[fingerprint] = set;
        return new Result(set, []);
    }

    /// <summary>
    /// Every error page, rendered with a sample failure, must show a reader some text of its own:
    /// one that renders nothing (its content all inside an <c>@if</c> that never holds, a Razor
    /// comment left around it) would be passed over for the built-in page on every failure. A page
    /// that throws with the sample is left to the renderer, which logs it and sends the built-in page.
    /// </summary>
    private static void CheckErrorPagesRender(CompiledTemplates set, IEnumerable<string> names, Func<string, string> display, List<TemplateError> errors)
    {
        foreach (var name in names.Where(n => TemplateNames.ModelFor(n) == typeof(ErrorPageModel)))
        {
            string html;
            try
            {
                // Without the layout: its header and footer would hide a page that shows nothing of its own.
                html = set.RenderAsync(name, SampleError, layout: null).GetAwaiter().GetResult();
            }
            catch (Exception)
            {
                continue;
            }
            if (VisibleText(html).Length == 0 && !Picture().IsMatch(html))
            {
                errors.Add(new TemplateError(display(name), 1,
                    "renders no text for a sample 503: readers would get the built-in page instead; show at least the message (@Model.Message)"));
            }
        }
    }

    private static readonly ErrorPageModel SampleError = new()
    {
        Title = "We'll be right back",
        Status = 503,
        Message = "The site is not answering right now.",
        Host = "www.example.com",
        Path = "/articles/1",
        RequestId = "0HN0SAMPLE",
        RetryAfter = 30,
        StatusPageUrl = "/_edge/status",
        Reason = "origin-down",
        Time = "2026-01-01 12:00 UTC",
    };

    /// <summary>What a browser would show as text: without tags, comments, scripts, styles and white space.</summary>
    internal static string VisibleText(string html) =>
        Tags().Replace(Hidden().Replace(html, " "), " ").Replace("&nbsp;", " ", StringComparison.Ordinal).Trim();

    [GeneratedRegex(@"<!--.*?-->|<(script|style|template|head)\b.*?</\1\s*>", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex Hidden();

    /// <summary>A picture is something to see too (a branded "we'll be right back" image).</summary>
    [GeneratedRegex(@"<(img|svg|picture)\b", RegexOptions.IgnoreCase)]
    private static partial Regex Picture();

    [GeneratedRegex(@"<[^>]*>", RegexOptions.Singleline)]
    private static partial Regex Tags();

    /// <summary>
    /// Every template declares its model, and the pages EdgeCache renders declare the one they get:
    /// without <c>@model</c> the model is <c>dynamic</c>, and a misspelt property would only fail
    /// while a reader waits (then the built-in page goes out) instead of here.
    /// </summary>
    private static void CheckModel(string name, string source, Type pageType, string display, List<TemplateError> errors)
    {
        var declared = DeclaredModel(pageType);
        var expected = TemplateNames.ModelFor(name);
        var line = ModelLine(source);
        if (declared is null || declared == typeof(object))
        {
            errors.Add(new TemplateError(display, line ?? 1,
                $"no @model: start the file with \"@model {expected?.Name ?? "TypeName"}\", so that a misspelt property is reported here rather than when a reader gets the page"));
        }
        else if (expected is not null && !declared.IsAssignableFrom(expected))
        {
            errors.Add(new TemplateError(display, line ?? 1, $"the model is {declared.Name}, but this template is rendered with {expected.Name}: write \"@model {expected.Name}\""));
        }
    }

    private static Type? DeclaredModel(Type pageType)
    {
        for (var type = pageType; type is not null; type = type.BaseType)
        {
            if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(TemplatePage<>))
            {
                return type.GetGenericArguments()[0];
            }
        }
        return null;
    }

    private static int? ModelLine(string source)
    {
        var match = ModelDirective().Match(source);
        return match.Success ? source.AsSpan(0, match.Index).Count('\n') + 1 : null;
    }

    private static string Fingerprint(SortedDictionary<string, string> sources)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (name, source) in sources)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(name));
            hash.AppendData([0]);
            hash.AppendData(Encoding.UTF8.GetBytes(source));
            hash.AppendData([0]);
        }
        return Convert.ToHexString(hash.GetHashAndReset());
    }

    [GeneratedRegex(@"^[ \t]*@model\b", RegexOptions.Multiline)]
    private static partial Regex ModelDirective();

    [GeneratedRegex(@"@\*.*?\*@", RegexOptions.Singleline)]
    private static partial Regex RazorComment();

    [GeneratedRegex(@"RenderBody\s*\(\s*\)")]
    private static partial Regex RenderBodyCall();
}
