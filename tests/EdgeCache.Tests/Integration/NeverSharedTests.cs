using System.Net;
using EdgeCache.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace EdgeCache.Tests.Integration;

/// <summary>
/// EdgeCache attacked as a hostile client would, in front of a real origin whose logged-in pages
/// name the reader from the <c>Cookie</c> and carry no caching headers of their own (the default
/// of most web frameworks): no reader ever gets another reader's page, and nothing a client sends
/// changes what other readers get.
/// </summary>
public sealed class NeverSharedTests : IAsyncLifetime
{
    private TestOrigin _origin = null!;

    public async Task InitializeAsync() => _origin = await TestOrigin.StartAsync();

    public async Task DisposeAsync() => await _origin.DisposeAsync();


    /// <summary>The caching headers of a logged-in page, as origins commonly send them.</summary>
    public static TheoryData<string> PrivatePageVariants() =>
    [
        "none",
        "max-age=0",
        "expires-0",
        "no-cache",
        "last-modified",
        "invalid-max-age",
        "etag",
    ];

    private static (string Name, string Value)[] HeadersOf(string variant) => variant switch
    {
        "none" => [],
        "max-age=0" => [("Cache-Control", "max-age=0")],
        "expires-0" => [("Expires", "0")],
        "no-cache" => [("Cache-Control", "no-cache, max-age=60")],
        "last-modified" => [("Last-Modified", DateTimeOffset.UtcNow.AddDays(-30).ToString("r"))],
        "invalid-max-age" => [("Cache-Control", "max-age=soon")],
        "etag" => [("ETag", "\"same-for-everyone\"")],
        _ => throw new ArgumentOutOfRangeException(nameof(variant)),
    };

    /// <summary>The account page: "page for USER", the user taken from the session cookie (anonymous without one).</summary>
    private void ServeAccountPages(string variant, TimeSpan delay, Func<string, bool>? fails = null)
    {
        var headers = HeadersOf(variant);
        _origin.Respond(async context =>
        {
            var user = context.Request.Cookies["session"] ?? "anonymous";
            if (fails?.Invoke(user) == true)
            {
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                await context.Response.WriteAsync("origin down");
                return;
            }
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay);
            }
            foreach (var (name, value) in headers)
            {
                context.Response.Headers.Append(name, value);
            }
            await context.Response.WriteAsync("page for " + user);
        });
    }

    private static async Task<string> GetAsUser(TestProxy proxy, string path, string? user)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (user is not null)
        {
            request.Headers.Add("Cookie", "session=" + user);
        }
        request.Headers.Accept.ParseAdd("text/html");
        var response = await proxy.Client.SendAsync(request);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>Files in the cache folder that hold <paramref name="text"/>.</summary>
    private static IEnumerable<string> CacheFilesContaining(TestProxy proxy, string text) =>
        Directory.EnumerateFiles(proxy.CacheDir, "*", SearchOption.AllDirectories)
            .Where(file => File.ReadAllText(file).Contains(text, StringComparison.Ordinal));

    [Theory]
    [MemberData(nameof(PrivatePageVariants))]
    public async Task Coalescing_TwentyUsersOnePrivatePage_EveryReaderGetsOnlyTheirOwnPage(string variant)
    {
        ServeAccountPages(variant, delay: TimeSpan.FromMilliseconds(200));
        await using var proxy = await TestProxy.StartAsync(_origin.Address);

        var readers = Enumerable.Range(0, 20).Select(async i =>
        {
            var user = $"user{i:00}";
            var foreign = 0;
            for (var round = 0; round < 3; round++)
            {
                if (await GetAsUser(proxy, "/account/dashboard", user) != "page for " + user)
                {
                    foreign++;
                }
            }
            return foreign;
        });
        var foreignPages = (await Task.WhenAll(readers)).Sum();

        Assert.Equal(0, foreignPages);
        Assert.Equal(60, _origin.CountFor("/account/dashboard"));
        Assert.Empty(CacheFilesContaining(proxy, "page for user"));
    }

    [Fact]
    public async Task Coalescing_CompressiblePrivatePage_ReadersAcceptingBrAndGzip_EachGetsOnlyTheirOwn()
    {
        // Compression happens when an answer is stored: a private page, large and HTML, must neither
        // be stored to be compressed nor reach another reader in any encoding.
        var filler = string.Concat(Enumerable.Repeat("<p>Your orders, your addresses, your saved articles.</p>", 80));
        _origin.Respond(async context =>
        {
            var user = context.Request.Cookies["session"] ?? "anonymous";
            await Task.Delay(200);
            context.Response.ContentType = "text/html; charset=utf-8";
            context.Response.Headers.CacheControl = "private, max-age=60";
            await context.Response.WriteAsync($"<h1>page for {user}</h1>{filler}");
        });
        await using var proxy = await TestProxy.StartAsync(_origin.Address);

        var readers = Enumerable.Range(0, 20).Select(async i =>
        {
            var user = $"user{i:00}";
            using var request = new HttpRequestMessage(HttpMethod.Get, "/account/orders");
            request.Headers.Add("Cookie", "session=" + user);
            request.Headers.TryAddWithoutValidation("Accept-Encoding", i % 2 == 0 ? "br, gzip" : "gzip");
            using var response = await proxy.Client.SendAsync(request);
            var bytes = await response.Content.ReadAsByteArrayAsync();
            Stream body = new MemoryStream(bytes);
            body = response.Content.Headers.ContentEncoding.FirstOrDefault() switch
            {
                "br" => new System.IO.Compression.BrotliStream(body, System.IO.Compression.CompressionMode.Decompress),
                "gzip" => new System.IO.Compression.GZipStream(body, System.IO.Compression.CompressionMode.Decompress),
                _ => body,
            };
            var html = await new StreamReader(body).ReadToEndAsync();
            return html.StartsWith($"<h1>page for {user}</h1>", StringComparison.Ordinal) ? 0 : 1;
        });

        Assert.Equal(0, (await Task.WhenAll(readers)).Sum());
        Assert.Equal(20, _origin.CountFor("/account/orders"));
        Assert.Empty(CacheFilesContaining(proxy, "Your orders"));
    }

    [Theory]
    [InlineData(500)]
    [InlineData(503)]
    public async Task Coalescing_OriginErrorNamingTheUser_EveryReaderGetsOnlyTheirOwnAnswer(int status)
    {
        // The origin's own error answers pass through to API clients: a coalesced waiter must never
        // be handed the leader's (its body and cookie name the leader).
        _origin.Respond(async context =>
        {
            var user = context.Request.Cookies["session"] ?? "anonymous";
            await Task.Delay(200);
            context.Response.StatusCode = status;
            context.Response.Headers.SetCookie = "last=" + user;
            await context.Response.WriteAsync("error for " + user);
        });
        await using var proxy = await TestProxy.StartAsync(_origin.Address);

        var readers = Enumerable.Range(0, 20).Select(async i =>
        {
            var user = $"user{i:00}";
            var request = new HttpRequestMessage(HttpMethod.Get, "/account/dashboard");
            request.Headers.Add("Cookie", "session=" + user);
            request.Headers.Accept.ParseAdd("application/json");
            var response = await proxy.Client.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            var cookie = response.Headers.TryGetValues("Set-Cookie", out var values) ? string.Join(";", values) : "";
            return body == "error for " + user && cookie == "last=" + user && (int)response.StatusCode == status ? 0 : 1;
        });

        Assert.Equal(0, (await Task.WhenAll(readers)).Sum());
    }

    [Theory]
    [MemberData(nameof(PrivatePageVariants))]
    public async Task VictimThenAnonymous_OriginAnswers503_AnonymousNeverGetsVictimPage(string variant)
    {
        ServeAccountPages(variant, TimeSpan.Zero);
        await using var proxy = await TestProxy.StartAsync(_origin.Address);
        Assert.Equal("page for victim", await GetAsUser(proxy, "/account/dashboard", "victim"));
        ServeAccountPages(variant, TimeSpan.Zero, fails: _ => true);

        var anonymous = await GetAsUser(proxy, "/account/dashboard", user: null);

        Assert.DoesNotContain("victim", anonymous);
        Assert.Empty(CacheFilesContaining(proxy, "victim"));
    }

    [Theory]
    [MemberData(nameof(PrivatePageVariants))]
    public async Task VictimThenAnonymous_OriginSlowPastStaleDeadline_AnonymousGetsOwnPage(string variant)
    {
        ServeAccountPages(variant, TimeSpan.Zero);
        await using var proxy = await TestProxy.StartAsync(_origin.Address, extraArgs: "--EdgeCache:Degraded:StaleDeadline=00:00:00.100");
        Assert.Equal("page for victim", await GetAsUser(proxy, "/account/dashboard", "victim"));
        ServeAccountPages(variant, delay: TimeSpan.FromMilliseconds(600));

        var anonymous = await GetAsUser(proxy, "/account/dashboard", user: null);

        Assert.Equal("page for anonymous", anonymous);
    }

    [Theory]
    [MemberData(nameof(PrivatePageVariants))]
    public async Task VictimThenAnonymous_WithinDefaultGrace_AnonymousGetsOwnPage(string variant)
    {
        ServeAccountPages(variant, TimeSpan.Zero);
        var clock = new HostClock();
        await using var proxy = await TestProxy.StartAsync(_origin.Address, clock: clock);
        Assert.Equal("page for victim", await GetAsUser(proxy, "/account/dashboard", "victim"));
        clock.Advance(TimeSpan.FromSeconds(1)); // well within the built-in 10 s grace

        Assert.Equal("page for anonymous", await GetAsUser(proxy, "/account/dashboard", user: null));
        Assert.Equal("page for victim", await GetAsUser(proxy, "/account/dashboard", "victim"));
    }

    [Fact]
    public async Task WebCacheDeception_PrivatePageUnderStaticLookingPath_NeverServedToOthers()
    {
        ServeAccountPages("last-modified", TimeSpan.Zero);
        await using var proxy = await TestProxy.StartAsync(_origin.Address);

        Assert.Equal("page for victim", await GetAsUser(proxy, "/account/settings/x.css", "victim"));
        Assert.Equal("page for anonymous", await GetAsUser(proxy, "/account/settings/x.css", user: null));
    }

    [Fact]
    public async Task AnonymousPage_WithoutFreshness_NeverServedStaleOnError()
    {
        // No freshness at all: stored only to revalidate; when the origin then fails, the reader
        // is told so rather than handed a copy nobody said could be reused.
        _origin.RespondWith("anonymous v1", ("ETag", "\"v1\""));
        await using var proxy = await TestProxy.StartAsync(_origin.Address);
        Assert.Equal("anonymous v1", await proxy.Client.GetStringAsync("/plain"));
        _origin.Respond(context =>
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return Task.CompletedTask;
        });

        var response = await proxy.Client.GetAsync("/plain");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.DoesNotContain("fwd=stale", CacheStatus(response));
    }

    [Fact]
    public async Task NoCache_OriginFails_NotServedWithoutValidation()
    {
        _origin.RespondWith("v1", ("Cache-Control", "no-cache, max-age=600"), ("ETag", "\"v1\""));
        await using var proxy = await TestProxy.StartAsync(_origin.Address);
        Assert.Equal("v1", await proxy.Client.GetStringAsync("/nc"));
        _origin.Respond(context =>
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return Task.CompletedTask;
        });

        var response = await proxy.Client.GetAsync("/nc");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.DoesNotContain("fwd=stale", CacheStatus(response));
        Assert.NotEqual("v1", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ZeroFreshness_OriginGrantedStaleIfError_ServedStaleOnError()
    {
        // The origin's own permission still counts: max-age=0 with stale-if-error is its choice.
        _origin.RespondWith("v1", ("Cache-Control", "max-age=0, stale-if-error=600"), ("ETag", "\"v1\""));
        await using var proxy = await TestProxy.StartAsync(_origin.Address);
        Assert.Equal("v1", await proxy.Client.GetStringAsync("/granted"));
        _origin.Respond(context =>
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return Task.CompletedTask;
        });

        var response = await proxy.Client.GetAsync("/granted");

        Assert.Equal("v1", await response.Content.ReadAsStringAsync());
        Assert.Contains("fwd=stale", CacheStatus(response));
    }

    [Fact]
    public async Task CookieRequest_OriginMarksPagePublic_Shared()
    {
        // What the origin marked shareable is shared, cookie or not.
        _origin.RespondWith("the same for everyone", ("Cache-Control", "public, max-age=60"));
        await using var proxy = await TestProxy.StartAsync(_origin.Address);

        Assert.Equal("the same for everyone", await GetAsUser(proxy, "/news", "reader"));
        var second = await GetAsUser(proxy, "/news", user: null);

        Assert.Equal("the same for everyone", second);
        Assert.Equal(1, _origin.CountFor("/news"));
    }

    [Fact]
    public async Task TrackingParameter_ReflectedByOrigin_NeverServedForCleanUrl()
    {
        _origin.Respond(context => _origin.Answer(context, "query was " + context.Request.QueryString, ("Cache-Control", "public, max-age=60")));
        await using var proxy = await TestProxy.StartAsync(_origin.Address, extraArgs:
        [
            "--EdgeCache:Rules:0:Name=no-tracking-params",
            "--EdgeCache:Rules:0:IgnoreQueryParameters:0=utm_*",
            "--EdgeCache:Rules:0:IgnoreQueryParameters:1=fbclid",
            "--EdgeCache:Rules:0:SortQueryParameters=true",
        ]);

        var poisoned = await proxy.Client.GetStringAsync("/article?utm_source=%3Cscript%3Ealert(1)%3C%2Fscript%3E&b=2&fbclid=x&a=1");
        var clean = await proxy.Client.GetStringAsync("/article?a=1&b=2");

        Assert.Equal("query was ?a=1&b=2", poisoned);
        Assert.Equal("query was ?a=1&b=2", clean);
        Assert.All(_origin.Requests, r => Assert.Equal("/article?a=1&b=2", r.RawTarget));
    }

    [Theory]
    [InlineData("X-Original-URL", "/admin")]
    [InlineData("X-Rewrite-URL", "/admin")]
    [InlineData("X-Host", "evil.example")]
    [InlineData("X-Forwarded-Server", "evil.example")]
    [InlineData("X-Forwarded-Scheme", "nothttps")]
    [InlineData("X-Forwarded-Port", "1337")]
    [InlineData("X_Original_URL", "/admin")]
    [InlineData("X-Original_URL", "/admin")]
    [InlineData("x_forwarded_server", "evil.example")]
    [InlineData("X-HTTP-Method-Override", "DELETE")]
    [InlineData("X-Original-Host", "evil.example")]
    public async Task RoutingOverrideHeader_NotKeyed_NeverReachesOrigin(string header, string value)
    {
        _origin.Respond(context => _origin.Answer(context, "override=" + context.Request.Headers[header], ("Cache-Control", "public, max-age=60")));
        await using var proxy = await TestProxy.StartAsync(_origin.Address);
        var request = new HttpRequestMessage(HttpMethod.Get, "/home");
        request.Headers.TryAddWithoutValidation(header, value);

        var poisoned = await (await proxy.Client.SendAsync(request)).Content.ReadAsStringAsync();
        var clean = await proxy.Client.GetStringAsync("/home");

        Assert.Equal("override=", poisoned);
        Assert.Equal("override=", clean);
        Assert.DoesNotContain(_origin.Requests, r => r.Headers.ContainsKey(header));
        var passedThrough = new HttpRequestMessage(HttpMethod.Post, "/form") { Content = new StringContent("x") };
        passedThrough.Headers.TryAddWithoutValidation(header, value);
        await proxy.Client.SendAsync(passedThrough);
        Assert.DoesNotContain(_origin.Requests, r => r.Headers.ContainsKey(header));
        Assert.Equal(2, _origin.RequestCount); // the miss and the POST; the clean GET was a hit
    }

    [Fact]
    public async Task RoutingOverrideHeader_KeyedByRule_ForwardedAndKeptApart()
    {
        _origin.Respond(context => _origin.Answer(context, "scheme=" + context.Request.Headers["X-Forwarded-Scheme"], ("Cache-Control", "public, max-age=60")));
        await using var proxy = await TestProxy.StartAsync(_origin.Address, extraArgs: "--EdgeCache:Rules:0:KeyHeaders:0=X-Forwarded-Scheme");
        var request = new HttpRequestMessage(HttpMethod.Get, "/home");
        request.Headers.Add("X-Forwarded-Scheme", "https");

        var keyed = await (await proxy.Client.SendAsync(request)).Content.ReadAsStringAsync();
        var plain = await proxy.Client.GetStringAsync("/home");

        Assert.Equal("scheme=https", keyed);
        Assert.Equal("scheme=", plain);
    }

    [Theory]
    [InlineData("/files/a%2Fb")]
    [InlineData("/files/a%252Fb")]
    [InlineData("/x%zz")]
    [InlineData("/q?x=%zz&y=%2F")]
    [InlineData("/caf%C3%A9")]
    public async Task RequestTarget_ReachesOriginByteForByte(string target)
    {
        _origin.Respond(context => _origin.Answer(context, "ok", ("Cache-Control", "public, max-age=60")));
        await using var proxy = await TestProxy.StartAsync(_origin.Address);

        var response = await RawHttp.SendAsync(proxy.Client.BaseAddress!, $"GET {target} HTTP/1.1\r\nHost: {TestProxy.PublicHost}");

        Assert.Equal(200, response.Status);
        Assert.Equal(target, Assert.Single(_origin.Requests).RawTarget);
    }

    [Fact]
    public async Task RequestTarget_EncodedSlashAndDoubleEncoded_AreDifferentEntries()
    {
        _origin.Respond(context => _origin.Answer(context, "target " + context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()!.RawTarget,
            ("Cache-Control", "public, max-age=60")));
        await using var proxy = await TestProxy.StartAsync(_origin.Address);

        var first = await RawHttp.SendAsync(proxy.Client.BaseAddress!, $"GET /files/a%252Fb HTTP/1.1\r\nHost: {TestProxy.PublicHost}");
        var second = await RawHttp.SendAsync(proxy.Client.BaseAddress!, $"GET /files/a%2Fb HTTP/1.1\r\nHost: {TestProxy.PublicHost}");

        Assert.Equal("target /files/a%252Fb", first.Body);
        Assert.Equal("target /files/a%2Fb", second.Body);
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: ", true)]
    [InlineData("GET / HTTP/1.1\r\nHost:    ", true)]
    [InlineData("GET / HTTP/1.0", true)]
    [InlineData("GET / HTTP/1.1\r\nHost: a.example\r\nHost: b.example", false)] // Kestrel itself refuses two Host fields
    public async Task Host_EmptyDuplicateOrMissing_400AndOriginUntouched(string head, bool refusedByEdgeCache)
    {
        await using var proxy = await TestProxy.StartAsync(_origin.Address);

        var response = await RawHttp.SendAsync(proxy.Client.BaseAddress!, head);

        Assert.Equal(400, response.Status);
        if (refusedByEdgeCache)
        {
            Assert.Equal("EdgeCache; detail=bad-host", response.Header("Cache-Status"));
        }
        Assert.Equal(0, _origin.RequestCount);
    }

    [Fact]
    public async Task Query_BareQuestionMark_KeyedAndForwardedAsNone()
    {
        _origin.RespondWith("ok", ("Cache-Control", "public, max-age=60"));
        await using var proxy = await TestProxy.StartAsync(_origin.Address);

        await RawHttp.SendAsync(proxy.Client.BaseAddress!, $"GET /p? HTTP/1.1\r\nHost: {TestProxy.PublicHost}");

        Assert.Equal("/p", Assert.Single(_origin.Requests).RawTarget);
    }

    [Fact]
    public async Task Method_KnownMethodInWrongCase_400InsteadOfA500()
    {
        _origin.RespondWith("ok", ("Cache-Control", "public, max-age=60"));
        await using var proxy = await TestProxy.StartAsync(_origin.Address);
        await proxy.Client.GetAsync("/m");

        var response = await RawHttp.SendAsync(proxy.Client.BaseAddress!, $"head /m HTTP/1.1\r\nHost: {TestProxy.PublicHost}");

        Assert.Equal(400, response.Status);
        Assert.Equal("EdgeCache; detail=bad-method", response.Header("Cache-Status"));
    }

    [Theory]
    [InlineData("/static/..%2Faccount")]
    [InlineData("/static/%2e%2e%2faccount")]
    [InlineData("/static/..%5Caccount")]
    public async Task RuleTtl_EncodedSeparatorsOutOfItsPaths_RuleDoesNotApply(string target)
    {
        // The rule says /static/* is the same for everyone; an origin that decodes %2F and resolves
        // ".." serves /account for these targets, so the rule must not make them shareable.
        ServeAccountPages("none", TimeSpan.Zero);
        await using var proxy = await TestProxy.StartAsync(_origin.Address, extraArgs:
            ["--EdgeCache:Rules:0:Paths:0=/static/*", "--EdgeCache:Rules:0:Ttl=00:01:00"]);

        var victim = await RawHttp.SendAsync(proxy.Client.BaseAddress!, $"GET {target} HTTP/1.1\r\nHost: {TestProxy.PublicHost}\r\nCookie: session=victim");
        var anonymous = await RawHttp.SendAsync(proxy.Client.BaseAddress!, $"GET {target} HTTP/1.1\r\nHost: {TestProxy.PublicHost}");

        Assert.Contains("page for victim", victim.Body);
        Assert.DoesNotContain("victim", anonymous.Body);
    }

    [Fact]
    public async Task RuleTtl_ItsOwnPaths_StillShared()
    {
        ServeAccountPages("none", TimeSpan.Zero);
        await using var proxy = await TestProxy.StartAsync(_origin.Address, extraArgs:
            ["--EdgeCache:Rules:0:Paths:0=/static/*", "--EdgeCache:Rules:0:Ttl=00:01:00"]);

        Assert.Equal("page for first", await GetAsUser(proxy, "/static/app.css", "first"));
        Assert.Equal("page for first", await GetAsUser(proxy, "/static/app.css", user: null));
    }

    [Theory]
    [InlineData("TRACE")]
    [InlineData("TRACK")]
    public async Task Trace_AnsweredAtEdgeWith405_NeverForwarded(string method)
    {
        await using var proxy = await TestProxy.StartAsync(_origin.Address);
        var request = new HttpRequestMessage(new HttpMethod(method), "/");
        request.Headers.Add("Cookie", "session=secret");

        var response = await proxy.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Contains("GET", response.Content.Headers.Allow);
        Assert.DoesNotContain("secret", await response.Content.ReadAsStringAsync());
        Assert.Equal(0, _origin.RequestCount);
    }

    [Fact]
    public async Task TagHeaders_ConsumedAsTags_NotSentToReaders()
    {
        _origin.RespondWith("tagged", ("Cache-Control", "public, max-age=60"), ("Surrogate-Key", "article-1 front"), ("Cache-Tag", "news"));
        await using var proxy = await TestProxy.StartAsync(_origin.Address);

        var miss = await proxy.Client.GetAsync("/tagged");
        var hit = await proxy.Client.GetAsync("/tagged");
        var passedThrough = await proxy.Client.PostAsync("/tagged", new StringContent("x"));

        foreach (var response in new[] { miss, hit, passedThrough })
        {
            Assert.False(response.Headers.Contains("Surrogate-Key"), CacheStatus(response));
            Assert.False(response.Headers.Contains("Cache-Tag"), CacheStatus(response));
        }
        Assert.StartsWith("EdgeCache; hit", CacheStatus(hit));
        var entry = await proxy.Get<EdgeCache.Caching.Stores.TieredStore>().GetAsync($"GET http://{TestProxy.PublicHost}/tagged", CancellationToken.None);
        Assert.Equal(["article-1", "front", "news"], entry!.Tags);
    }

    [Fact]
    public async Task TagHeaders_KeptForDownstreamCdnWhenConfigured()
    {
        _origin.RespondWith("tagged", ("Cache-Control", "public, max-age=60"), ("Surrogate-Key", "article-1"));
        await using var proxy = await TestProxy.StartAsync(_origin.Address, extraArgs: "--EdgeCache:Cache:ForwardTagHeaders=true");

        var miss = await proxy.Client.GetAsync("/tagged");
        var hit = await proxy.Client.GetAsync("/tagged");

        Assert.Equal("article-1", string.Join(",", miss.Headers.GetValues("Surrogate-Key")));
        Assert.Equal("article-1", string.Join(",", hit.Headers.GetValues("Surrogate-Key")));
    }

    [Theory]
    [InlineData("//evil.example/")]
    [InlineData("///evil.example/path")]
    [InlineData("/%2F%2Fevil.example/")]
    public async Task ErrorPage_TryAgainLink_StaysOnTheSite(string target)
    {
        // The origin failing rather than stopped: a stopped origin's port may be taken by another
        // test's origin meanwhile, which would answer 200.
        _origin.Respond(context =>
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return Task.CompletedTask;
        });
        await using var proxy = await TestProxy.StartAsync(_origin.Address);

        var response = await RawHttp.SendAsync(proxy.Client.BaseAddress!, $"GET {target} HTTP/1.1\r\nHost: {TestProxy.PublicHost}\r\nAccept: text/html");

        Assert.True(response.Status >= 500, response.Head);
        var links = System.Text.RegularExpressions.Regex.Matches(response.Body, "href=\"([^\"]*)\"").Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(links);
        Assert.All(links, link =>
        {
            Assert.StartsWith("/", link);
            Assert.False(link.StartsWith("//", StringComparison.Ordinal) || link.StartsWith("/\\", StringComparison.Ordinal), link);
        });
    }

    [Fact]
    public async Task OneReadersCookieProvokesAn503_OtherReadersStillReachTheOrigin()
    {
        // A failure caused by one reader's credentials (a broken session, a per-user rate limit)
        // must not hold the page back from everyone else through the per-URL backoff.
        var clock = new HostClock();
        _origin.Clock = clock;
        var version = "v1";
        _origin.Respond(context =>
        {
            if (context.Request.Headers.Cookie.ToString().Contains("bad", StringComparison.Ordinal))
            {
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                context.Response.Headers.RetryAfter = "600";
                return context.Response.WriteAsync("not for you");
            }
            return _origin.Answer(context, version, ("Cache-Control", "public, max-age=1, stale-if-error=3600"));
        });
        await using var proxy = await TestProxy.StartAsync(_origin.Address, clock: clock);
        Assert.Equal("v1", await proxy.Client.GetStringAsync("/p"));
        clock.Advance(TimeSpan.FromSeconds(12)); // stale, past the default 10 s stale-while-revalidate
        version = "v2";

        var hostile = new HttpRequestMessage(HttpMethod.Get, "/p");
        hostile.Headers.Add("Cookie", "session=bad");
        (await proxy.Client.SendAsync(hostile)).Dispose();

        Assert.Equal("v2", await proxy.Client.GetStringAsync("/p"));
    }

    [Fact]
    public async Task OriginSendsItsOwnCacheStatus_ForwardedResponseStillCarriesEdgeCachesMember()
    {
        _origin.RespondWith("x", ("Cache-Status", "UpstreamCDN; hit"));
        await using var proxy = await TestProxy.StartAsync(_origin.Address);

        using var post = await proxy.Client.PostAsync("/form", new StringContent("x"));

        var members = CacheStatus(post);
        Assert.Contains("UpstreamCDN; hit", members);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(members, "EdgeCache; fwd=method"));
    }
}
