using EdgeCache.Diagnostics;
using EdgeCache.Templates;
using EdgeCache.Tests.Infrastructure;

namespace EdgeCache.Tests.Templates;

public sealed class PageRendererTests
{
    private const string Hostile = "\"><script>alert(1)</script>";
    private readonly LogCapture _log = new();

    private async Task<(TemplateSet Set, PageRenderer Renderer)> Ready(string root)
    {
        var set = new TemplateSet(root, _log.CreateLogger<TemplateSet>());
        await set.Ready.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.NotNull(set.Current);
        return (set, new PageRenderer(set, _log.CreateLogger<PageRenderer>()));
    }

    private static ErrorPageModel Error(string path = "/a", int status = 503, string value = "x") => new()
    {
        Status = status,
        Title = "Service Unavailable",
        Message = value,
        Host = value,
        Path = path,
        RequestId = value,
        RetryAfter = 30,
        StatusPageUrl = value,
        Reason = value,
        Time = value,
    };

    private static Task<string> RenderError(PageRenderer renderer, string? host, ErrorPageModel model, params string[] names) =>
        renderer.RenderPageAsync(host, names.Length > 0 ? names : ["errors/503", "errors/default"], model, BuiltInPages.Error);

    [Fact]
    public async Task RenderPage_HostileModelStrings_HtmlEncodedInTextAndAttributes()
    {
        var (set, renderer) = await Ready(TestProxy.RepositoryTemplates);
        using var _ = set;

        var html = await RenderError(renderer, "www.example.test", Error(path: "/" + Hostile, value: Hostile));

        Assert.Contains("We'll be right back", html); // the repository's page, not the built-in one
        Assert.DoesNotContain("<script>", html);
        Assert.DoesNotContain("\"><", html.Replace("\"><span", "").Replace("\"><meta", ""));
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html);
        Assert.Contains("href=\"/&quot;&gt;&lt;script&gt;", html);
    }

    private static StatusPageModel HostileStatus() => new()
    {
        Title = "Service status",
        Notices = [new NoticeModel { Id = "1", Text = "notice " + Hostile, Site = null, Posted = Hostile, Expires = null }],
        GeneratedAt = Hostile,
        State = "degraded",
        Headline = "headline " + Hostile,
        Summary = "summary " + Hostile,
        Degraded = true,
        StaleServedLastHour = 3,
        Sites = [HostileSite(), HostileSite()], // several sites: each with its detail
    };

    private static StatusSiteModel HostileSite() => new()
    {
        Name = "site " + Hostile, Hosts = [Hostile], State = Hostile, StateText = "state " + Hostile, Up = false, Degraded = true, OnBackup = false,
        Since = Hostile, For = Hostile, Detail = "detail " + Hostile, CoveragePercent = null, StaleServedLastHour = 3,
        Origins = [new StatusOriginModel { Name = "origin " + Hostile, Backup = false, Up = false, Reason = "reason " + Hostile, Since = Hostile, For = Hostile }],
        Incidents = [new StatusIncidentModel { State = Hostile, StateText = "incident " + Hostile, Start = Hostile, End = "ongoing", Ongoing = true, For = Hostile, StaleServed = 3, StaleServedText = "3 saved copies served" }],
    };

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task RenderPage_HostileStatusModel_EveryValueShownAndHtmlEncoded(bool templates)
    {
        var (set, renderer) = await Ready(TestProxy.RepositoryTemplates);
        using var _ = set;
        var model = HostileStatus();

        var html = templates ? await renderer.RenderPageAsync("www.example.test", ["status"], model, BuiltInPages.Status) : BuiltInPages.Status(model);

        Assert.Equal(templates, html.Contains("<span class=\"code\">Service status</span>")); // the repository's page, or the built-in one
        foreach (var text in new[] { "notice", "headline", "summary", "site", "state", "detail", "origin", "reason", "incident" })
        {
            Assert.Contains(text + " &quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;", html);
        }
        Assert.Contains("3 saved copies served", html);
        Assert.DoesNotContain("<script>", html);
    }

    [Fact]
    public async Task RenderPage_ErrorPageWithNotices_LayoutShowsThemEncoded()
    {
        var (set, renderer) = await Ready(TestProxy.RepositoryTemplates);
        using var _ = set;
        var model = new ErrorPageModel
        {
            Title = "Service Unavailable", Status = 503, Message = "m", Host = "h", Path = "/", RequestId = "r", RetryAfter = 5, StatusPageUrl = "/_edge/status",
            Reason = "origin-down", Time = "t",
            Notices = [new NoticeModel { Id = "1", Text = "Planned work <b>tonight</b>", Site = null, Posted = "14:02 UTC", Expires = null }],
        };

        var html = await RenderError(renderer, "www.example.test", model);

        Assert.Contains("<p class=\"notice\">Planned work &lt;b&gt;tonight&lt;/b&gt;</p>", html);
        Assert.Contains("We'll be right back", html);
    }

    [Fact]
    public async Task RenderPage_PageInsideLayout_LayoutGetsTitleAndBody()
    {
        var (set, renderer) = await Ready(TemplateFolder.Create(
            ("layout.cshtml", "@model PageModel\n<main title=\"@Model.Title\">@RenderBody()</main>"),
            ("errors/default.cshtml", "@model ErrorPageModel\n<b>@Model.Status</b>")));
        using var _ = set;

        var html = await RenderError(renderer, null, Error());

        Assert.Equal("<main title=\"Service Unavailable\"><b>503</b></main>", html.Trim());
    }

    [Fact]
    public async Task RenderPage_SiteOverrides_UsedForThatHostOnly()
    {
        var (set, renderer) = await Ready(TemplateFolder.Create(
            ("layout.cshtml", "@model PageModel\n<main>@RenderBody()</main>"),
            ("errors/default.cshtml", "@model ErrorPageModel\nshared"),
            ("sites/news.example.com/errors/default.cshtml", "@model ErrorPageModel\nnews"),
            ("sites/shop.example.com/layout.cshtml", "@model PageModel\n<div class=\"shop\">@RenderBody()</div>")));
        using var _ = set;

        Assert.Equal("<main>news</main>", (await RenderError(renderer, "news.example.com", Error())).Trim());
        Assert.Equal("<div class=\"shop\">shared</div>", (await RenderError(renderer, "shop.example.com", Error())).Trim());
        Assert.Equal("<main>shared</main>", (await RenderError(renderer, "other.example.com", Error())).Trim());
    }

    [Fact]
    public async Task RenderPage_PartialIncluded_RenderedWithItsModel()
    {
        var (set, renderer) = await Ready(TemplateFolder.Create(
            ("partials/footer.cshtml", "@model ErrorPageModel\n<footer>request @Model.RequestId</footer>"),
            ("errors/default.cshtml", "@model ErrorPageModel\n<p>page</p>@{ await IncludeAsync(\"partials/footer\", Model); }")));
        using var _ = set;

        Assert.Equal("<p>page</p><footer>request &lt;r&gt;</footer>", (await RenderError(renderer, null, Error(value: "<r>"))).Trim());
    }

    [Fact]
    public async Task RenderPage_StatusPageBeforeDefault()
    {
        var (set, renderer) = await Ready(TemplateFolder.Create(
            ("errors/default.cshtml", "@model ErrorPageModel\ndefault"),
            ("errors/503.cshtml", "@model ErrorPageModel\nfive-oh-three")));
        using var _ = set;

        Assert.Equal("five-oh-three", (await RenderError(renderer, null, Error())).Trim());
        Assert.Equal("default", (await RenderError(renderer, null, Error(status: 504), "errors/504", "errors/default")).Trim());
    }

    [Fact]
    public async Task RenderPage_TemplateThrows_BuiltInPageAndLogged()
    {
        var (set, renderer) = await Ready(TemplateFolder.Create(
            ("errors/default.cshtml", "@model ErrorPageModel\n<p>@(Model.Status == 503 ? throw new InvalidOperationException(\"broken page\") : \"fine\")</p>")));
        using var _ = set;

        var html = await RenderError(renderer, null, Error());

        Assert.Contains("<h1>Service Unavailable</h1>", html);
        Assert.Contains("Try again", html);
        var logged = Assert.Single(_log.Entries, e => e.EventId.Id == EventIds.TemplateRenderFailed);
        Assert.Equal("Rendering template errors/default failed; the built-in page was sent instead", logged.Message);
        Assert.Equal("broken page", logged.Exception?.Message);
        Assert.Contains("errors/default:line 2", logged.Exception?.StackTrace); // the template's own line
    }

    [Fact]
    public async Task RenderPage_TemplateRendersOnlyWhiteSpace_NextNameThenBuiltIn()
    {
        // Templates that show text for most failures (so they compile: TemplateCompiler renders each
        // with a sample) and none for some: the renderer passes over an empty page.
        var (set, renderer) = await Ready(TemplateFolder.Create(
            ("errors/503.cshtml", "@model ErrorPageModel\n@if (Model.Path.StartsWith(\"/articles/\")) { <p>article</p> }\n"),
            ("errors/default.cshtml", "@model ErrorPageModel\n@if (Model.Status != 503 || Model.Path.StartsWith(\"/articles/\")) { <p>default</p> }")));
        using var _ = set;

        Assert.Contains("<h1>Service Unavailable</h1>", await RenderError(renderer, null, Error()));
        Assert.Equal("<p>default</p>", (await RenderError(renderer, null, Error(status: 502), "errors/502", "errors/default")).Trim());
    }

    [Theory]
    [InlineData("../../etc")]
    [InlineData("..")]
    [InlineData("a/../../b")]
    [InlineData("%2e%2e")]
    [InlineData("NEWS.EXAMPLE.COM/../..")]
    public async Task RenderPage_HostWithPathTraversal_NeverLeavesTemplates(string host)
    {
        var root = TemplateFolder.Create(("errors/default.cshtml", "@model ErrorPageModel\nshared"));
        File.WriteAllText(Path.Combine(Path.GetDirectoryName(root)!, "secret.cshtml"), "@model ErrorPageModel\nSECRET");
        var (set, renderer) = await Ready(root);
        using var _ = set;

        Assert.Equal("shared", (await RenderError(renderer, host, Error())).Trim());
    }

    [Fact]
    public async Task RenderPage_TemplatesStillCompiling_BuiltInPageWithTheSameInformation()
    {
        var compiling = new ManualResetEventSlim();
        var root = TestProxy.RepositoryTemplates;
        using var set = new TemplateSet(root, _log.CreateLogger<TemplateSet>(), folder =>
        {
            compiling.Wait(TimeSpan.FromSeconds(60));
            return TemplateCompiler.Compile(folder);
        });
        var renderer = new PageRenderer(set, _log.CreateLogger<PageRenderer>());
        var model = Error(path: "/news/1", value: "v");

        var before = await RenderError(renderer, null, model);
        compiling.Set();
        await set.Ready.WaitAsync(TimeSpan.FromSeconds(60));
        var after = await RenderError(renderer, null, model);

        Assert.Contains("<h1>Service Unavailable</h1>", before);
        Assert.Contains("<a href=\"/news/1\">Try again</a>", before);
        Assert.Contains("Service status", before);
        Assert.Contains("error 503", before);
        Assert.Contains("We'll be right back", after);
    }

    [Fact]
    public async Task RenderFragment_Banner_WithoutTheLayout()
    {
        var (set, renderer) = await Ready(TemplateFolder.Create(
            ("layout.cshtml", "@model PageModel\n<main>@RenderBody()</main>"),
            ("banner.cshtml", "@model BannerModel\n<div>@Model.AgeText (@Model.AgeMinutes)</div>")));
        using var _ = set;

        var banner = await renderer.RenderFragmentAsync("www.example.test", "banner", new BannerModel { AgeText = "<b>10 minutes</b>", AgeMinutes = 10 });

        Assert.Equal("<div>&lt;b&gt;10 minutes&lt;/b&gt; (10)</div>", banner?.Trim());
    }

    [Fact]
    public async Task RenderFragment_TemplateThrows_NullAndLogged()
    {
        var (set, renderer) = await Ready(TemplateFolder.Create(
            ("banner.cshtml", "@model BannerModel\n@{ if (Model.AgeMinutes > 0) { throw new InvalidOperationException(\"broken banner\"); } }")));
        using var _ = set;

        var banner = await renderer.RenderFragmentAsync(null, "banner", new BannerModel { AgeText = "10 minutes", AgeMinutes = 10 });

        Assert.Null(banner);
        Assert.Equal(["Rendering template banner failed; the page was sent without it"], _log.Messages(EventIds.TemplateRenderFailed));
    }
}
