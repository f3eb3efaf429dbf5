using EdgeCache.Templates;
using EdgeCache.Tests.Infrastructure;

namespace EdgeCache.Tests.Templates;

public sealed class TemplateCompilerTests
{
    private const string ErrorPage = """
        @model ErrorPageModel
        <h1>@Model.Title</h1>
        <p>@Model.Message</p>
        """;

    [Fact]
    public void Compile_RepositoryTemplates_AllCompile()
    {
        var result = TemplateCompiler.Compile(TestProxy.RepositoryTemplates);

        Assert.Empty(result.Errors);
        Assert.NotNull(result.Templates);
        Assert.Equal(7, result.Templates.Count);
    }

    [Theory]
    [InlineData("errors/503.cshtml")]
    [InlineData("sites/www.example.com/errors/default.cshtml")]
    public void Compile_ErrorPageThatRendersNoText_Reported(string file)
    {
        // Everything inside a condition that never holds for a failure: compiles, renders white space.
        var result = TemplateCompiler.Compile(TemplateFolder.Create(
            ("layout.cshtml", "@model PageModel\n<html><body><header>Example News</header>@RenderBody()</body></html>\n"),
            (file, """
            @model ErrorPageModel
            @if (Model.Status < 400)
            {
                <h1>@Model.Title</h1>
            }
            <div class="card"><!-- @Model.Message --></div>
            """)));

        var error = Assert.Single(result.Errors);
        Assert.Equal($"templates/{file}:1: renders no text for a sample 503: readers would get the built-in page instead; show at least the message (@Model.Message)",
            error.ToString());
        Assert.Null(result.Templates);
    }

    [Fact]
    public void Compile_ErrorPageWithText_NotReported() =>
        Assert.Empty(TemplateCompiler.Compile(TemplateFolder.Create(("errors/503.cshtml", ErrorPage))).Errors);

    [Fact]
    public void Compile_ErrorPageShowingOnlyAPicture_NotReported() =>
        Assert.Empty(TemplateCompiler.Compile(TemplateFolder.Create(("errors/503.cshtml", """
            @model ErrorPageModel
            <img src="/_brand/back-soon.png" alt="">
            """))).Errors);

    [Fact]
    public void Compile_MisspeltModelProperty_ReportedWithFileAndLine()
    {
        var result = TemplateCompiler.Compile(TemplateFolder.Create(("errors/503.cshtml", """
            @model ErrorPageModel
            <h1>@Model.Title</h1>
            <p>@Model.Mesage</p>
            """)));

        var error = Assert.Single(result.Errors);
        Assert.Equal("templates/errors/503.cshtml", error.File);
        Assert.Equal(3, error.Line);
        Assert.Contains("Mesage", error.Message);
        Assert.StartsWith("templates/errors/503.cshtml:3: ", error.ToString());
        Assert.Null(result.Templates);
    }

    [Fact]
    public void Compile_RazorSyntaxError_ReportedWithFileAndLine()
    {
        var result = TemplateCompiler.Compile(TemplateFolder.Create(("status.cshtml", """
            @model StatusPageModel
            <h1>Status</h1>
            @if (Model.Degraded)
            {
              <p>down</p>
            """)));

        var error = Assert.Single(result.Errors);
        Assert.Equal("templates/status.cshtml", error.File);
        Assert.Equal(3, error.Line);
        Assert.Contains("missing a closing \"}\"", error.Message);
    }

    [Fact]
    public void Compile_SeveralBrokenFiles_EveryErrorOfEveryFileListed()
    {
        var result = TemplateCompiler.Compile(TemplateFolder.Create(
            ("errors/default.cshtml", ErrorPage),
            ("errors/502.cshtml", "@model ErrorPageModel\n<p>@Model.Mesage</p>\n<p>@Model.RetryAftr</p>\n"),
            ("errors/504.cshtml", "@model ErrorPageModel\n@{ var x = ; }\n"),
            ("sites/news.example.com/status.cshtml", "@model StatusPageModel\n\n<p>@Model.Sitez.Count</p>\n")));

        Assert.Equal(
            ["templates/errors/502.cshtml:2", "templates/errors/502.cshtml:3", "templates/errors/504.cshtml:2", "templates/sites/news.example.com/status.cshtml:3"],
            result.Errors.Select(e => $"{e.File}:{e.Line}").Distinct().Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Compile_NoModelDirective_ReportedAsError()
    {
        var result = TemplateCompiler.Compile(TemplateFolder.Create(("errors/default.cshtml", "<h1>@Model.Title</h1>")));

        var error = Assert.Single(result.Errors);
        Assert.Equal("templates/errors/default.cshtml:1: no @model: start the file with \"@model ErrorPageModel\", so that a misspelt property is reported here rather than when a reader gets the page",
            error.ToString());
    }

    [Theory]
    [InlineData("errors/503.cshtml", "@model StatusPageModel", "StatusPageModel", "ErrorPageModel")]
    [InlineData("sites/news.example.com/banner.cshtml", "@model ErrorPageModel", "ErrorPageModel", "BannerModel")]
    [InlineData("layout.cshtml", "@model ErrorPageModel", "ErrorPageModel", "PageModel")]
    public void Compile_WrongModelForThePage_ReportedOnTheModelLine(string file, string directive, string declared, string expected)
    {
        var result = TemplateCompiler.Compile(TemplateFolder.Create((file, "@* comment *@\n" + directive + "\n<p>hello</p>")));

        var error = Assert.Single(result.Errors);
        Assert.Equal($"templates/{file}:2: the model is {declared}, but this template is rendered with {expected}: write \"@model {expected}\"", error.ToString());
    }

    [Fact]
    public void Compile_UnknownModelType_ReportedOnTheModelLine()
    {
        var result = TemplateCompiler.Compile(TemplateFolder.Create(("errors/default.cshtml", "\n@model ErrorPageModle\n<p>x</p>")));

        Assert.NotEmpty(result.Errors);
        Assert.All(result.Errors, e => Assert.Equal("templates/errors/default.cshtml:2", $"{e.File}:{e.Line}"));
        Assert.Contains(result.Errors, e => e.Message.Contains("ErrorPageModle"));
    }

    [Fact]
    public void Compile_SameFilesTwice_SameCompiledSet()
    {
        var files = ("errors/default.cshtml", ErrorPage + "<!-- " + Guid.NewGuid() + " -->");

        var first = TemplateCompiler.Compile(TemplateFolder.Create(files));
        var second = TemplateCompiler.Compile(TemplateFolder.Create(files));

        Assert.NotNull(first.Templates);
        Assert.Same(first.Templates, second.Templates);
    }

    [Fact]
    public void Compile_NoFolder_NoTemplatesNoErrors()
    {
        var result = TemplateCompiler.Compile(Path.Combine(TempDirectory.Create("edgecache-templates"), "missing"));

        Assert.Null(result.Templates);
        Assert.Empty(result.Errors);
    }
}
