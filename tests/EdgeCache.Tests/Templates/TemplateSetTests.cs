using EdgeCache.Diagnostics;
using EdgeCache.Templates;
using EdgeCache.Tests.Infrastructure;

namespace EdgeCache.Tests.Templates;

public sealed class TemplateSetTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);
    private readonly LogCapture _log = new();

    private static async Task<string> Render(TemplateSet set, string name = "banner")
    {
        var current = set.Current;
        Assert.NotNull(current);
        var key = current.Find(null, name);
        Assert.NotNull(key);
        return (await current.RenderAsync(key, new BannerModel { AgeText = "a", AgeMinutes = 1 }, layout: null)).Trim();
    }

    private static string Page(string text) => "@model BannerModel\n" + text;

    [Fact]
    public async Task Reload_FileChanged_NewTemplateUsed()
    {
        var root = TemplateFolder.Create(("banner.cshtml", Page("before")));
        using var set = new TemplateSet(root, _log.CreateLogger<TemplateSet>());
        await set.Ready.WaitAsync(Wait);
        var reloaded = new TaskCompletionSource();
        set.Reloaded += () => reloaded.TrySetResult();

        TemplateFolder.Replace(root, "banner.cshtml", Page("after"));
        await reloaded.Task.WaitAsync(Wait);

        Assert.Equal("after", await Render(set));
        Assert.Single(_log.Messages(EventIds.TemplatesReloaded));
    }

    [Fact]
    public async Task Reload_BrokenChange_PreviousTemplatesKeptAndEachErrorLoggedWithFileAndLine()
    {
        var root = TemplateFolder.Create(("banner.cshtml", Page("good")), ("other.cshtml", Page("x")));
        using var set = new TemplateSet(root, _log.CreateLogger<TemplateSet>());
        await set.Ready.WaitAsync(Wait);
        var reloaded = new TaskCompletionSource();
        set.Reloaded += () => reloaded.TrySetResult();
        var rejections = System.Threading.Channels.Channel.CreateUnbounded<bool>();
        set.ReloadRejected += () => rejections.Writer.TryWrite(true);

        TemplateFolder.Replace(root, "banner.cshtml", Page("<p>@Model.AgeTxt</p>\n<p>@Model.AgeMinutez</p>"));
        await rejections.Reader.ReadAsync().AsTask().WaitAsync(Wait);
        TemplateFolder.Replace(root, "other.cshtml", Page("y")); // a valid change still fails: the set stays broken
        await rejections.Reader.ReadAsync().AsTask().WaitAsync(Wait);

        Assert.False(reloaded.Task.IsCompleted);
        Assert.Equal("good", await Render(set));
        var logged = _log.Messages(EventIds.TemplateReloadRejected);
        Assert.Equal(4, logged.Count); // two errors, twice
        Assert.Contains(logged, m => m.StartsWith("Template change not applied, the previous templates stay in use: templates/banner.cshtml:2: ", StringComparison.Ordinal) && m.Contains("AgeTxt"));
        Assert.Contains(logged, m => m.Contains("templates/banner.cshtml:3: ") && m.Contains("AgeMinutez"));
    }

    [Fact]
    public async Task Reload_ManyFilesWrittenAtOnce_CompiledOnce()
    {
        var root = TemplateFolder.Create(("banner.cshtml", Page("v1")));
        var compiles = 0;
        using var set = new TemplateSet(root, _log.CreateLogger<TemplateSet>(), folder =>
        {
            Interlocked.Increment(ref compiles);
            return TemplateCompiler.Compile(folder);
        });
        await set.Ready.WaitAsync(Wait);
        var reloaded = new TaskCompletionSource<int>();
        set.Reloaded += () => reloaded.TrySetResult(Volatile.Read(ref compiles));

        for (var i = 0; i < 10; i++)
        {
            TemplateFolder.Replace(root, "banner.cshtml", Page("v" + (i + 2)));
            File.WriteAllText(Path.Combine(root, $"partial{i}.cshtml"), Page("p"));
        }

        Assert.Equal(2, await reloaded.Task.WaitAsync(Wait)); // the start-up compile and one for the ten changes
        Assert.Equal("v11", await Render(set));
    }

    [Fact]
    public async Task Start_BrokenTemplates_EachErrorLoggedWithFileAndLineAndNoTemplatesUsed()
    {
        var root = TemplateFolder.Create(("banner.cshtml", Page("\n<p>@Model.AgeTxt</p>")), ("status.cshtml", "@model StatusPageModel\n@if (Model.Degraded) {"));
        using var set = new TemplateSet(root, _log.CreateLogger<TemplateSet>());

        await set.Ready.WaitAsync(Wait);

        Assert.Null(set.Current);
        var logged = _log.Messages(EventIds.TemplateStartupError);
        Assert.Contains(logged, m => m.Contains("templates/banner.cshtml:3: ") && m.Contains("AgeTxt"));
        Assert.Contains(logged, m => m.Contains("templates/status.cshtml:2: "));
    }

    [Fact]
    public async Task Start_BrokenThenFixed_FixedSetUsed()
    {
        var root = TemplateFolder.Create(("banner.cshtml", Page("@Model.AgeTxt")));
        using var set = new TemplateSet(root, _log.CreateLogger<TemplateSet>());
        await set.Ready.WaitAsync(Wait);
        var reloaded = new TaskCompletionSource();
        set.Reloaded += () => reloaded.TrySetResult();

        TemplateFolder.Replace(root, "banner.cshtml", Page("@Model.AgeText"));
        await reloaded.Task.WaitAsync(Wait);

        Assert.Equal("a", await Render(set, "banner"));
        Assert.Single(_log.Messages(EventIds.TemplatesReady));
    }

    [Fact]
    public void Start_NoFolder_ReadyAtOnceWithoutTemplates()
    {
        var root = Path.Combine(TempDirectory.Create("edgecache-templates"), "templates");
        using var set = new TemplateSet(root, _log.CreateLogger<TemplateSet>());

        Assert.True(set.Ready.IsCompleted);
        Assert.Null(set.Current);
        Assert.Single(_log.Messages(EventIds.NoTemplates));
    }
}
