using EdgeCache.Templates;
using EdgeCache.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeCache.Tests.Templates;

public sealed class TemplateSetTests
{
    private static string Folder(params (string Name, string Text)[] files)
    {
        var root = TempDirectory.Create("templates");
        foreach (var (name, text) in files)
        {
            var path = Path.Combine(root, name);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, text);
        }
        return root;
    }

    /// <summary>Replaces a file in one step (write beside it, then rename), as deployment tools do.</summary>
    private static void Replace(string path, string text)
    {
        File.WriteAllText(path + ".new", text);
        File.Move(path + ".new", path, overwrite: true);
    }

    private static PageRenderer Renderer(TemplateSet set) => new(set, NullLogger<PageRenderer>.Instance);

    private static Dictionary<string, object?> Model(string path = "/a") => new() { ["path"] = path, ["status"] = 503 };

    [Fact]
    public void Render_VariableWithMarkup_HtmlEscaped()
    {
        using var set = new TemplateSet(Folder(("errors/default.hbs", "<p>{{path}}</p>")), NullLogger<TemplateSet>.Instance);

        var html = Renderer(set).Render("example.com", ["errors/default"], Model("/<script>alert(1)</script>"), "t", "f");

        Assert.Contains("&lt;script&gt;", html);
        Assert.DoesNotContain("<script>", html);
    }

    [Fact]
    public void Render_PageInsideLayout_LayoutWrapsBody()
    {
        using var set = new TemplateSet(Folder(("layout.hbs", "<main title=\"{{title}}\">{{{body}}}</main>"), ("errors/default.hbs", "<b>{{status}}</b>")), NullLogger<TemplateSet>.Instance);

        var html = Renderer(set).Render(null, ["errors/default"], Model(), "Service Unavailable", "f");

        Assert.Equal("<main title=\"Service Unavailable\"><b>503</b></main>", html);
    }

    [Fact]
    public void Render_SiteOverride_UsedForThatHostOnly()
    {
        using var set = new TemplateSet(Folder(("errors/default.hbs", "shared"), ("sites/news.example.com/errors/default.hbs", "news")), NullLogger<TemplateSet>.Instance);
        var renderer = Renderer(set);

        Assert.Equal("news", renderer.Render("news.example.com", ["errors/default"], Model(), "t", "f"));
        Assert.Equal("shared", renderer.Render("shop.example.com", ["errors/default"], Model(), "t", "f"));
    }

    [Fact]
    public void Render_SpecificStatusBeforeDefault()
    {
        using var set = new TemplateSet(Folder(("errors/default.hbs", "default"), ("errors/503.hbs", "five-oh-three")), NullLogger<TemplateSet>.Instance);

        Assert.Equal("five-oh-three", Renderer(set).Render(null, ["errors/503", "errors/default"], Model(), "t", "f"));
    }

    [Fact]
    public void Render_TemplateFailsAtRunTime_BuiltInPageNeverEmpty()
    {
        using var set = new TemplateSet(Folder(("errors/default.hbs", "{{> missing-partial}}")), NullLogger<TemplateSet>.Instance);

        var html = Renderer(set).Render(null, ["errors/default"], Model(), "Service Unavailable", "Please try again.");

        Assert.Contains("<h1>Service Unavailable</h1>", html);
        Assert.Contains("Please try again.", html);
    }

    [Theory]
    [InlineData("../../etc")]
    [InlineData("..")]
    [InlineData("a/../../b")]
    [InlineData("%2e%2e")]
    public void Render_HostWithPathTraversal_NeverLeavesTemplates(string host)
    {
        var root = Folder(("errors/default.hbs", "shared"));
        File.WriteAllText(Path.Combine(Path.GetDirectoryName(root)!, "secret.hbs"), "SECRET");
        using var set = new TemplateSet(root, NullLogger<TemplateSet>.Instance);

        Assert.Equal("shared", Renderer(set).Render(host, ["errors/default"], Model(), "t", "f"));
    }

    [Fact]
    public void Compile_BrokenTemplate_ReportedWithItsPath()
    {
        var result = TemplateCompiler.Compile(Folder(("errors/default.hbs", "fine"), ("errors/503.hbs", "{{#if status}}never closed")));

        var error = Assert.Single(result.Errors);
        Assert.StartsWith("templates/errors/503.hbs:", error);
    }

    [Fact]
    public async Task Reload_FileChanged_NewTemplateUsed()
    {
        var root = Folder(("errors/default.hbs", "before"));
        using var set = new TemplateSet(root, NullLogger<TemplateSet>.Instance);
        var reloaded = new TaskCompletionSource();
        set.Reloaded += () => reloaded.TrySetResult();

        Replace(Path.Combine(root, "errors/default.hbs"), "after");
        await reloaded.Task.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("after", Renderer(set).Render(null, ["errors/default"], Model(), "t", "f"));
    }

    [Fact]
    public async Task Reload_BrokenChange_PreviousTemplatesKept()
    {
        var root = Folder(("errors/default.hbs", "good"), ("other.hbs", "x"));
        using var set = new TemplateSet(root, NullLogger<TemplateSet>.Instance);
        var reloaded = new TaskCompletionSource();
        set.Reloaded += () => reloaded.TrySetResult();
        var rejections = System.Threading.Channels.Channel.CreateUnbounded<bool>();
        set.ReloadRejected += () => rejections.Writer.TryWrite(true);

        Replace(Path.Combine(root, "errors/default.hbs"), "{{#each}}broken");
        await rejections.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Replace(Path.Combine(root, "other.hbs"), "y"); // a valid change still fails: the set stays broken
        await rejections.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.False(reloaded.Task.IsCompleted);
        Assert.Equal("good", Renderer(set).Render(null, ["errors/default"], Model(), "t", "f"));
    }

    [Fact]
    public void RepositoryTemplates_AllCompile() =>
        Assert.Empty(TemplateCompiler.Compile(TestProxy.RepositoryTemplates).Errors);
}
