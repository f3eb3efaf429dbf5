using System.Net;
using EdgeCache.Diagnostics;
using EdgeCache.Templates;
using EdgeCache.Tests.Infrastructure;
using EdgeCache.Tests.Templates;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EdgeCache.Tests.Integration;

/// <summary>
/// The README's template behaviours on a running EdgeCache (real loopback ports) in front of an
/// origin that answers 503 for every page, so every HTML request gets the branded 503 page.
/// </summary>
public sealed class TemplatePagesTests : IAsyncLifetime
{
    private const string Hostile = "<script>alert(1)</script>";
    private readonly LogCapture _log = new();
    private TestOrigin _origin = null!;

    public async Task InitializeAsync()
    {
        _origin = await TestOrigin.StartAsync();
        _origin.Respond(context =>
        {
            context.Response.StatusCode = 503;
            return context.Response.WriteAsync("the publisher's own 503");
        });
    }

    public async Task DisposeAsync() => await _origin.DisposeAsync();

    private Task<TestProxy> Start(string templates, Action<IServiceCollection>? services = null, bool waitForTemplates = true, params string[] extraArgs) =>
        TestProxy.StartAsync(_origin.Address, collection =>
        {
            collection.AddSingleton<ILoggerProvider>(_log);
            services?.Invoke(collection);
        }, waitForTemplates: waitForTemplates, extraArgs: ["--EdgeCache:Degraded:TemplatesPath=" + templates, .. extraArgs]);

    private static async Task<(HttpResponseMessage Response, string Body)> Page(TestProxy proxy, string path = "/news/1", string? host = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.ParseAdd("text/html");
        if (host is not null)
        {
            request.Headers.Host = host;
        }
        var response = await proxy.Client.SendAsync(request);
        return (response, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ErrorPage_SiteOverride_ThatSiteGetsItInsideTheSharedLayout()
    {
        var templates = TemplateFolder.CopyOfRepository(($"sites/{TestProxy.PublicHost}/errors/503.cshtml", """
            @model ErrorPageModel
            <h1>The newsroom is catching its breath</h1>
            <a class="button" href="@Model.Path">Try again</a>
            """));
        await using var proxy = await Start(templates);

        var (response, site) = await Page(proxy);
        var (_, other) = await Page(proxy, host: "shop.example.test");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("<h1>The newsroom is catching its breath</h1>", site);
        Assert.Contains("<a class=\"button\" href=\"/news/1\">Try again</a>", site);
        Assert.Contains("<title>Service Unavailable</title>", site); // the shared layout
        Assert.Contains("We'll be right back", other);
    }

    [Fact]
    public async Task ErrorPage_LiveEditThatDoesNotCompile_PreviousPagesStayUntilAFixedEdit()
    {
        var templates = TemplateFolder.CopyOfRepository();
        await using var proxy = await Start(templates);
        var set = proxy.Get<TemplateSet>();
        var rejected = new TaskCompletionSource();
        set.ReloadRejected += () => rejected.TrySetResult();
        var reloaded = new TaskCompletionSource();
        set.Reloaded += () => reloaded.TrySetResult();

        TemplateFolder.Replace(templates, "errors/503.cshtml", """
            @model ErrorPageModel
            <h1>Edited</h1>
            <p>@Model.Mesage</p>
            """);
        await rejected.Task.WaitAsync(TimeSpan.FromSeconds(60));
        var (during, kept) = await Page(proxy);
        TemplateFolder.Replace(templates, "errors/503.cshtml", """
            @model ErrorPageModel
            <h1>Edited</h1>
            <p>@Model.Message</p>
            """);
        await reloaded.Task.WaitAsync(TimeSpan.FromSeconds(60));
        var (_, edited) = await Page(proxy);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, during.StatusCode);
        Assert.Contains("We'll be right back", kept);
        Assert.Contains(_log.Messages(EventIds.TemplateReloadRejected), m => m.Contains("templates/errors/503.cshtml:3: ") && m.Contains("Mesage"));
        Assert.Contains("<h1>Edited</h1>", edited);
        Assert.Contains("<p>The site is temporarily unavailable.", edited);
    }

    [Fact]
    public async Task ErrorPage_TemplateThrows_BuiltInPageWithTheStatusNever500()
    {
        var templates = TemplateFolder.CopyOfRepository(("errors/503.cshtml", """
            @model ErrorPageModel
            <h1>@(Model.RequestId.Length > 0 ? throw new InvalidOperationException("template bug") : "")</h1>
            """));
        await using var proxy = await Start(templates);

        var (response, body) = await Page(proxy);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("<h1>Service Unavailable</h1>", body);
        Assert.Contains("<a href=\"/news/1\">Try again</a>", body);
        Assert.Contains(_log.Entries, e => e.EventId.Id == EventIds.TemplateRenderFailed && e.Exception?.Message == "template bug");
    }

    [Fact]
    public async Task StatusPage_HostileClusterAndDestinationIds_NeverShown()
    {
        await using var proxy = await TestProxy.StartAsync(origin: null, services: null, extraArgs:
        [
            "--ReverseProxy:Routes:r:ClusterId=" + Hostile,
            "--ReverseProxy:Routes:r:Match:Path={**all}",
            $"--ReverseProxy:Clusters:{Hostile}:Destinations:\"><img src onerror>:Address={_origin.Address}", // no '=': it ends a switch's key
        ]);

        var (response, body) = await Page(proxy, "/_edge/status");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("<span class=\"code\">Service status</span>", body);
        Assert.Contains($"<h2>{TestProxy.PublicHost}</h2>", body); // the catch-all site, by the host asked for
        Assert.Contains("<td>origin</td>", body);
        Assert.DoesNotContain("alert(1)", body); // ids are not shown at all, encoded or not
        Assert.DoesNotContain("onerror", body);
    }

    [Fact]
    public async Task StatusPage_Json_TheModelInCamelCase()
    {
        await using var proxy = await Start(TestProxy.RepositoryTemplates);
        var request = new HttpRequestMessage(HttpMethod.Get, "/_edge/status");
        request.Headers.Accept.ParseAdd("application/json");

        using var response = await proxy.Client.SendAsync(request);
        var status = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(["degraded", "generatedAt", "headline", "notices", "sites", "staleServedLastHour", "state", "summary", "title"],
            status.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        var site = status.GetProperty("sites")[0];
        Assert.Equal(["coveragePercent", "degraded", "detail", "for", "hosts", "incidents", "name", "onBackup", "origins", "since", "staleServedLastHour", "state", "stateText", "up"],
            site.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal(["backup", "for", "name", "reason", "since", "up"], site.GetProperty("origins")[0].EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task FirstRequests_WhileTemplatesCompile_AnsweredAtOnceWithTheBuiltInPage()
    {
        var compiling = new ManualResetEventSlim();
        await using var proxy = await Start(TestProxy.RepositoryTemplates, services => services.AddSingleton(sp =>
            new TemplateSet(TestProxy.RepositoryTemplates, sp.GetRequiredService<ILogger<TemplateSet>>(), folder =>
            {
                compiling.Wait(TimeSpan.FromSeconds(60));
                return TemplateCompiler.Compile(folder);
            })), waitForTemplates: false);

        var (response, builtIn) = await Page(proxy); // answered while the compile is held
        compiling.Set();
        await proxy.Get<TemplateSet>().Ready.WaitAsync(TimeSpan.FromSeconds(60));
        var (_, branded) = await Page(proxy);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.Contains("<h1>Service Unavailable</h1>", builtIn);
        Assert.Contains("Try again", builtIn);
        Assert.Contains("Service status", builtIn);
        Assert.Contains("We'll be right back", branded);
    }

    [Fact]
    public async Task ErrorPage_NoTemplatesFolder_BuiltInPage()
    {
        await using var proxy = await Start(Path.Combine(TempDirectory.Create("edgecache-root"), "templates"));

        var (response, body) = await Page(proxy);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("<h1>Service Unavailable</h1>", body);
        Assert.Single(_log.Messages(EventIds.NoTemplates));
    }
}
