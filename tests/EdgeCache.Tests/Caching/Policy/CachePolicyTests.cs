using Microsoft.Extensions.Time.Testing;
using EdgeCache.Caching;
using EdgeCache.Caching.Entries;
using EdgeCache.Caching.Policy;
using EdgeCache.Rules;
using EdgeCache.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace EdgeCache.Tests.Caching.Policy;

public sealed class CachePolicyTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);
    private static readonly CacheOptions Options = new() { DefaultStaleIfError = TimeSpan.FromHours(24) };

    private static HeaderDictionary Headers(params (string Name, string Value)[] headers)
    {
        var dictionary = new HeaderDictionary { ["Date"] = HeaderUtilities.FormatDate(Now) };
        foreach (var (name, value) in headers)
        {
            dictionary.Append(name, value);
        }
        return dictionary;
    }

    private static StorageDecision Evaluate(HeaderDictionary headers, int status = 200, RequestCredentials credentials = RequestCredentials.None, CacheRule? rule = null) =>
        CachePolicy.EvaluateResponse(status, headers, credentials, rule ?? CacheRule.Default, Options, Now, Now);

    private static CacheRule Rule(Action<CacheRuleOptions> configure)
    {
        var options = new CacheRuleOptions();
        configure(options);
        return new CacheRule("test", options);
    }

    private static CacheEntry Entry(TimeSpan lifetime, TimeSpan swr = default, TimeSpan sie = default, CacheEntryFlags flags = CacheEntryFlags.None) => new()
    {
        Key = "k",
        StatusCode = 200,
        ResponseTime = Now,
        FreshnessLifetime = lifetime,
        StaleWhileRevalidate = swr,
        StaleIfError = sie,
        Flags = flags,
        ETag = "\"e1\"",
        LastModified = HeaderUtilities.FormatDate(Now.AddDays(-1)),
    };

    [Fact]
    public void BypassReason_Post_Method() =>
        Assert.Equal("method", CachePolicy.BypassReason("POST", new HeaderDictionary(), CacheRule.Default));

    [Fact]
    public void BypassReason_Get_Null() =>
        Assert.Null(CachePolicy.BypassReason("GET", new HeaderDictionary(), CacheRule.Default));

    [Fact]
    public void BypassReason_AuthorizationByDefault_UsesTheCache() =>
        Assert.Null(CachePolicy.BypassReason("GET", new HeaderDictionary { ["Authorization"] = "Bearer x" }, CacheRule.Default));

    [Fact]
    public void BypassReason_AuthorizationWithRuleCacheAuthorizedFalse_Bypassed() =>
        Assert.Equal("authorization", CachePolicy.BypassReason("GET", new HeaderDictionary { ["Authorization"] = "Bearer x" }, Rule(r => r.CacheAuthorized = false)));

    [Fact]
    public void BypassReason_AuthorizationWithRule_Cacheable() =>
        Assert.Null(CachePolicy.BypassReason("GET", new HeaderDictionary { ["Authorization"] = "Bearer x" }, Rule(r => r.CacheAuthorized = true)));

    [Fact]
    public void BypassReason_RuleBypass_Rule() =>
        Assert.Equal("rule", CachePolicy.BypassReason("GET", new HeaderDictionary(), Rule(r => r.Bypass = true)));

    [Fact]
    public void ClientRequiresReload_NoCacheByDefault_Ignored() =>
        Assert.False(CachePolicy.ClientRequiresReload(new HeaderDictionary { ["Cache-Control"] = "no-cache" }, new CacheOptions()));

    [Fact]
    public void ClientRequiresReload_MaxAgeZeroWhenHonoured_True() =>
        Assert.True(CachePolicy.ClientRequiresReload(new HeaderDictionary { ["Cache-Control"] = "max-age=0" }, new CacheOptions { HonourClientCacheControl = true }));

    [Fact]
    public void ClientRequiresReload_PragmaWhenHonoured_True() =>
        Assert.True(CachePolicy.ClientRequiresReload(new HeaderDictionary { ["Pragma"] = "no-cache" }, new CacheOptions { HonourClientCacheControl = true }));

    [Fact]
    public void EvaluateResponse_SMaxAgeOverMaxAge_SMaxAgeWins() =>
        Assert.Equal(TimeSpan.FromSeconds(100), Evaluate(Headers(("Cache-Control", "max-age=10, s-maxage=100"))).FreshnessLifetime);

    [Fact]
    public void EvaluateResponse_MaxAgeOverExpires_MaxAgeWins() =>
        Assert.Equal(TimeSpan.FromSeconds(10), Evaluate(Headers(("Cache-Control", "max-age=10"), ("Expires", HeaderUtilities.FormatDate(Now.AddHours(1))))).FreshnessLifetime);

    [Fact]
    public void EvaluateResponse_Expires_LifetimeIsExpiresMinusDate() =>
        Assert.Equal(TimeSpan.FromMinutes(5), Evaluate(Headers(("Expires", HeaderUtilities.FormatDate(Now.AddMinutes(5))))).FreshnessLifetime);

    [Fact]
    public void EvaluateResponse_InvalidExpires_StaleNotError()
    {
        var decision = Evaluate(Headers(("Expires", "0"), ("ETag", "\"x\"")));

        Assert.True(decision.Storable);
        Assert.Equal(TimeSpan.Zero, decision.FreshnessLifetime);
    }

    // RFC 9110 5.6.7: a recipient accepts all three HTTP-date forms; old origins still send the obsolete ones.
    [Theory]
    [InlineData("Sun, 06 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 08:48:37 GMT")]
    [InlineData("Sunday, 06-Nov-94 08:49:37 GMT", "Sun, 06 Nov 1994 08:48:37 GMT")]
    [InlineData("Sun Nov  6 08:49:37 1994", "Sun, 06 Nov 1994 08:48:37 GMT")]
    [InlineData("Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:48:37 GMT")]
    [InlineData("Sun, 06 Nov 1994 08:49:37 GMT", "Sun Nov  6 08:48:37 1994")]
    public void EvaluateResponse_ExpiresAndDateInAnyHttpDateForm_LifetimeIsExpiresMinusDate(string expires, string date)
    {
        var headers = new HeaderDictionary { ["Date"] = date, ["Expires"] = expires };

        Assert.Equal(TimeSpan.FromSeconds(60), Evaluate(headers).FreshnessLifetime);
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("-1")]
    [InlineData("Sun, 06 Nov 1994 25:49:37 GMT")]
    [InlineData("Sun, 31 Feb 2027 08:49:37 GMT")]
    [InlineData("2027-01-01T00:00:00Z")]
    public void EvaluateResponse_GarbageExpires_AlreadyExpired(string expires)
    {
        // RFC 9111 5.3: an invalid Expires represents a time in the past, whatever else the response has.
        var decision = Evaluate(Headers(("Expires", expires), ("Last-Modified", HeaderUtilities.FormatDate(Now.AddDays(-30)))));
        var withoutValidators = Evaluate(Headers(("Expires", expires)));

        Assert.Equal(TimeSpan.Zero, decision.FreshnessLifetime);
        Assert.Equal(CacheEntryFlags.None, decision.Flags); // not heuristic: an invalid Expires is not an absent one
        Assert.Equal("no-freshness", withoutValidators.Reason);
    }

    [Fact]
    public void EvaluateResponse_ExpiresInYear9999_NoFresherThanTheLargestMaxAge()
    {
        var decision = Evaluate(Headers(("Expires", "Fri, 31 Dec 9999 23:59:59 GMT")));

        Assert.Equal(Evaluate(Headers(("Cache-Control", "max-age=99999999999"))).FreshnessLifetime, decision.FreshnessLifetime);
        // The entry's end (response time, lifetime, grace) is still a date.
        Assert.True((Now + decision.FreshnessLifetime + decision.StaleIfError).Year < 2100);
    }

    [Fact]
    public void EvaluateResponse_DateInYear1AndExpiresInYear9999_Capped() =>
        Assert.Equal(CachePolicy.MaxLifetime, Evaluate(new HeaderDictionary
        {
            ["Date"] = "Mon, 01 Jan 0001 00:00:00 GMT",
            ["Expires"] = "Fri, 31 Dec 9999 23:59:59 GMT",
        }).FreshnessLifetime);

    [Fact]
    public void EvaluateResponse_InvalidMaxAge_Stale() =>
        Assert.Equal(TimeSpan.Zero, Evaluate(Headers(("Cache-Control", "max-age=soon"), ("ETag", "\"x\""))).FreshnessLifetime);

    [Fact]
    public void EvaluateResponse_NoStore_NotStorable() =>
        Assert.Equal("no-store", Evaluate(Headers(("Cache-Control", "no-store, max-age=60"))).Reason);

    [Fact]
    public void EvaluateResponse_Private_NotStorable() =>
        Assert.Equal("private", Evaluate(Headers(("Cache-Control", "private, max-age=60"))).Reason);

    [Fact]
    public void EvaluateResponse_PrivateWithRule_Storable() =>
        Assert.True(Evaluate(Headers(("Cache-Control", "private, max-age=60")), rule: Rule(r => r.CachePrivate = true)).Storable);

    [Theory]
    [InlineData(1_000, true)]
    [InlineData(1_001, false)]
    [InlineData(10_001, false)] // the formatter reads no more than 10,000 strings back: such an entry was stored and then read as corrupt
    public void EvaluateResponse_TagCount_StorableUpToTheLimit(int tags, bool storable)
    {
        var keys = string.Join(' ', Enumerable.Range(0, tags).Select(i => $"t{i}"));
        var decision = Evaluate(Headers(("Cache-Control", "max-age=60"), ("Surrogate-Key", keys)));

        Assert.Equal(storable, decision.Storable);
        Assert.Equal(storable ? null : "too-many-tags", decision.Storable ? null : decision.Reason);
    }

    [Fact]
    public void EvaluateResponse_SetCookie_NotStorable() =>
        Assert.Equal("set-cookie", Evaluate(Headers(("Cache-Control", "max-age=60"), ("Set-Cookie", "a=b"))).Reason);

    [Fact]
    public void EvaluateResponse_SetCookieWithRule_Storable() =>
        Assert.True(Evaluate(Headers(("Cache-Control", "max-age=60"), ("Set-Cookie", "a=b")), rule: Rule(r => r.CacheSetCookie = true)).Storable);


    [Fact]
    public void EvaluateResponse_VaryStar_NotStorable() =>
        Assert.Equal("vary-star", Evaluate(Headers(("Cache-Control", "max-age=60"), ("Vary", "*"))).Reason);

    [Theory]
    [InlineData(206)]
    [InlineData(304)]
    public void EvaluateResponse_PartialOrNotModifiedStatus_NotStorable(int status) =>
        Assert.Equal($"status-{status}", Evaluate(Headers(("Cache-Control", "max-age=60")), status).Reason);

    [Fact]
    public void EvaluateResponse_HeuristicStatusWithLastModified_TenPercentOfAge() =>
        Assert.Equal(TimeSpan.FromHours(1), Evaluate(Headers(("Last-Modified", HeaderUtilities.FormatDate(Now.AddHours(-10))))).FreshnessLifetime);

    [Fact]
    public void EvaluateResponse_HeuristicLifetime_Capped() =>
        Assert.Equal(TimeSpan.FromDays(1), Evaluate(Headers(("Last-Modified", HeaderUtilities.FormatDate(Now.AddDays(-365))))).FreshnessLifetime);

    [Fact]
    public void EvaluateResponse_NonHeuristicStatusWithoutFreshness_NotStorable() =>
        Assert.Equal("no-freshness", Evaluate(Headers(("Last-Modified", HeaderUtilities.FormatDate(Now.AddHours(-10)))), status: 302).Reason);

    [Fact]
    public void EvaluateResponse_RuleTtl_OverridesOrigin() =>
        Assert.Equal(TimeSpan.FromMinutes(5), Evaluate(Headers(("Cache-Control", "max-age=0")), rule: Rule(r => r.Ttl = TimeSpan.FromMinutes(5))).FreshnessLifetime);

    [Fact]
    public void EvaluateResponse_RuleTtl_DoesNotOverrideNoStore() =>
        Assert.False(Evaluate(Headers(("Cache-Control", "no-store")), rule: Rule(r => r.Ttl = TimeSpan.FromMinutes(5))).Storable);

    [Fact]
    public void EvaluateResponse_NoCache_StoredButAlwaysRevalidated() =>
        Assert.True(Evaluate(Headers(("Cache-Control", "no-cache"), ("ETag", "\"x\""))).Flags.HasFlag(CacheEntryFlags.NoCache));

    [Fact]
    public void EvaluateResponse_OriginStaleIfError_Used() =>
        Assert.Equal(TimeSpan.FromSeconds(600), Evaluate(Headers(("Cache-Control", "max-age=60, stale-if-error=600"))).StaleIfError);

    [Fact]
    public void EvaluateResponse_NoOriginWindows_RuleGraceThenDefault()
    {
        Assert.Equal(TimeSpan.FromHours(2), Evaluate(Headers(("Cache-Control", "max-age=60")), rule: Rule(r => r.StaleIfError = TimeSpan.FromHours(2))).StaleIfError);
        Assert.Equal(TimeSpan.FromHours(24), Evaluate(Headers(("Cache-Control", "max-age=60"))).StaleIfError);
    }

    [Theory]
    [InlineData("max-age=60, must-revalidate")]
    [InlineData("max-age=60, proxy-revalidate")]
    [InlineData("max-age=60, must-revalidate, stale-if-error=600")]
    [InlineData("no-cache, stale-if-error=600")]
    [InlineData("s-maxage=60")]
    public void EvaluateResponse_MustRevalidate_NoGraceWindow(string cacheControl) =>
        Assert.Equal(TimeSpan.Zero, Evaluate(Headers(("Cache-Control", cacheControl))).StaleIfError);

    [Fact]
    public void EvaluateResponse_SMaxAgeWithOriginStaleIfError_OriginWindowKept() =>
        Assert.Equal(TimeSpan.FromSeconds(600), Evaluate(Headers(("Cache-Control", "s-maxage=60, stale-if-error=600"))).StaleIfError);

    [Fact]
    public void EvaluateResponse_MustRevalidateWithRulePermission_GraceWindow() =>
        Assert.Equal(TimeSpan.FromHours(1), Evaluate(Headers(("Cache-Control", "max-age=60, must-revalidate")),
            rule: Rule(r => { r.StaleIfError = TimeSpan.FromHours(1); r.ServeStaleDespiteRevalidate = true; })).StaleIfError);

    // What is never shared: responses to cookie requests need the origin's say-so.
    [Theory]
    [InlineData("Last-Modified", "heuristic")]
    [InlineData("Cache-Control", "max-age=0")]
    [InlineData("Cache-Control", "no-cache, max-age=60")]
    [InlineData("Expires", "0")]
    [InlineData("ETag", "\"e\"")]
    public void EvaluateResponse_CookieRequestWithoutPositiveFreshness_NotStorable(string name, string value)
    {
        var headers = name == "Last-Modified" ? Headers((name, HeaderUtilities.FormatDate(Now.AddDays(-30)))) : Headers((name, value));

        Assert.Equal("cookie", Evaluate(headers, credentials: RequestCredentials.Cookie).Reason);
    }

    [Theory]
    [InlineData("max-age=60")]
    [InlineData("s-maxage=60")]
    [InlineData("public")]
    public void EvaluateResponse_CookieRequestMarkedShareable_Storable(string cacheControl) =>
        Assert.True(Evaluate(Headers(("Cache-Control", cacheControl), ("Last-Modified", HeaderUtilities.FormatDate(Now.AddDays(-30)))),
            credentials: RequestCredentials.Cookie).Storable);

    [Fact]
    public void EvaluateResponse_CookieRequestWithRuleTtl_Storable() =>
        Assert.Equal(TimeSpan.FromMinutes(5), Evaluate(Headers(), credentials: RequestCredentials.Cookie,
            rule: Rule(r => r.Ttl = TimeSpan.FromMinutes(5))).FreshnessLifetime);

    [Theory]
    [InlineData("X-Forwarded-For")]
    [InlineData("Accept-Encoding, forwarded")]
    public void EvaluateResponse_VaryOnClientAddressEdgeCacheRewrites_NotStorable(string vary) =>
        Assert.Equal("vary-client-address", Evaluate(Headers(("Cache-Control", "public, max-age=60"), ("Vary", vary))).Reason);

    [Fact]
    public void EvaluateResponse_NoFreshnessWithoutValidators_NotStored() =>
        Assert.Equal("no-freshness", Evaluate(Headers()).Reason);

    [Theory]
    [InlineData("max-age=0")]
    [InlineData("max-age=soon")]
    [InlineData("")]
    public void EvaluateResponse_ZeroFreshnessWithValidator_StoredOnlyToRevalidate(string cacheControl)
    {
        var decision = Evaluate(cacheControl.Length > 0 ? Headers(("Cache-Control", cacheControl), ("ETag", "\"e\"")) : Headers(("ETag", "\"e\"")));

        Assert.True(decision.Storable);
        Assert.Equal(TimeSpan.Zero, decision.FreshnessLifetime);
        Assert.Equal(TimeSpan.Zero, decision.StaleWhileRevalidate);
        Assert.Equal(TimeSpan.Zero, decision.StaleIfError);
    }

    [Fact]
    public void EvaluateResponse_ZeroFreshnessWithOriginsOwnWindows_WindowsKept()
    {
        var decision = Evaluate(Headers(("Cache-Control", "max-age=0, stale-while-revalidate=5, stale-if-error=600")));

        Assert.Equal(TimeSpan.FromSeconds(5), decision.StaleWhileRevalidate);
        Assert.Equal(TimeSpan.FromSeconds(600), decision.StaleIfError);
    }

    [Fact]
    public void EvaluateResponse_ZeroFreshnessWithRuleWindows_RuleWindowsNotApplied() =>
        Assert.Equal(TimeSpan.Zero, Evaluate(Headers(("Cache-Control", "max-age=0"), ("ETag", "\"e\"")),
            rule: Rule(r => r.StaleIfError = TimeSpan.FromDays(7))).StaleIfError);

    [Fact]
    public void EvaluateResponse_NoCacheWithMaxAge_NoFreshnessLifetime() =>
        Assert.Equal(TimeSpan.Zero, Evaluate(Headers(("Cache-Control", "no-cache, max-age=600"), ("ETag", "\"e\""))).FreshnessLifetime);

    [Fact]
    public void CanServeStaleOnError_NoCacheEntryWithLifetime_False() =>
        Assert.False(CachePolicy.CanServeStaleOnError(Entry(TimeSpan.FromSeconds(600), flags: CacheEntryFlags.NoCache), Now.AddSeconds(1)));

    [Fact]
    public void IsReusableWithoutValidation_Fresh_True() =>
        Assert.True(CachePolicy.IsReusableWithoutValidation(Entry(TimeSpan.FromSeconds(60)), Now.AddSeconds(1), RequestCredentials.None));

    [Theory]
    [InlineData(0, false)]
    [InlineData(60, true)]
    public void IsReusableWithoutValidation_NoFreshnessOrNoCache_False(int lifetimeSeconds, bool noCache) =>
        Assert.False(CachePolicy.IsReusableWithoutValidation(Entry(TimeSpan.FromSeconds(lifetimeSeconds), swr: TimeSpan.FromSeconds(10),
            flags: noCache ? CacheEntryFlags.NoCache : CacheEntryFlags.None), Now, RequestCredentials.None));

    [Fact]
    public void IsReusableWithoutValidation_WithinStaleWhileRevalidate_False() =>
        Assert.False(CachePolicy.IsReusableWithoutValidation(Entry(TimeSpan.FromSeconds(60), swr: TimeSpan.FromSeconds(30)), Now.AddSeconds(70), RequestCredentials.None));

    [Fact]
    public void EvaluateResponse_HeuristicLifetime_MarkedHeuristic() =>
        Assert.Equal(CacheEntryFlags.HeuristicFreshness, Evaluate(Headers(("Last-Modified", HeaderUtilities.FormatDate(Now.AddHours(-10))))).Flags);

    [Fact]
    public void Classify_HeuristicEntryForCookieReader_StaleUntilConfirmed()
    {
        var entry = Entry(TimeSpan.FromHours(1), swr: TimeSpan.FromSeconds(10), flags: CacheEntryFlags.HeuristicFreshness);

        Assert.Equal(Freshness.Stale, CachePolicy.Classify(entry, Now, RequestCredentials.Cookie));
        Assert.Equal(Freshness.Fresh, CachePolicy.Classify(entry, Now, RequestCredentials.None));
    }

    [Fact]
    public void Classify_ExplicitlyFreshEntryForCookieReader_Fresh() =>
        Assert.Equal(Freshness.Fresh, CachePolicy.Classify(Entry(TimeSpan.FromHours(1)), Now, RequestCredentials.Cookie));

    [Fact]
    public void EvaluateResponse_AgeHeader_CountsTowardsInitialAge() =>
        Assert.Equal(TimeSpan.FromSeconds(30), Evaluate(Headers(("Cache-Control", "max-age=60"), ("Age", "30"))).InitialAge);

    [Theory]
    [InlineData("Sun, 22 Nov 2026 13:00:00 gmt")]
    [InlineData("sunday, 22-nov-26 13:00:00 GMT")]
    [InlineData("Sunday, 22-Nov-26 13:00:00 GMT")]
    [InlineData("Sun Nov 22 13:00:00 2026")]
    public void EvaluateResponse_ExpiresInAnyFormAndCase_OneHour(string expires) =>
        Assert.Equal(TimeSpan.FromHours(1), Evaluate(new HeaderDictionary
        {
            ["Date"] = HeaderUtilities.FormatDate(Now),
            ["Expires"] = expires,
        }).FreshnessLifetime);

    [Fact]
    public void EvaluateResponse_ErrorWithMaxAge_NoWindowsButTheOriginsStaleIfError()
    {
        var plain = CachePolicy.EvaluateResponse(503, Headers(("Cache-Control", "max-age=30, stale-while-revalidate=60")),
            RequestCredentials.None, CacheRule.Default, Options, Now, Now);
        var withSie = CachePolicy.EvaluateResponse(503, Headers(("Cache-Control", "max-age=30, stale-if-error=60")),
            RequestCredentials.None, CacheRule.Default, Options, Now, Now);

        Assert.Equal((TimeSpan.FromSeconds(30), TimeSpan.Zero, TimeSpan.Zero), (plain.FreshnessLifetime, plain.StaleWhileRevalidate, plain.StaleIfError));
        Assert.Equal(TimeSpan.FromSeconds(60), withSie.StaleIfError);
    }

    [Fact]
    public void EvaluateResponse_SeveralAgeLines_TheFirstCounts() =>
        Assert.Equal(TimeSpan.FromSeconds(30), Evaluate(new HeaderDictionary
        {
            ["Cache-Control"] = "max-age=60",
            ["Age"] = new Microsoft.Extensions.Primitives.StringValues(["30", "50"]),
        }).InitialAge);

    [Fact]
    public void EvaluateResponse_AgeList_TheFirstMemberCounts() =>
        Assert.Equal(TimeSpan.FromSeconds(30), Evaluate(Headers(("Cache-Control", "max-age=60"), ("Age", " 30 , 50"))).InitialAge);

    [Theory]
    [InlineData("-10")]
    [InlineData("ten")]
    [InlineData("1.5")]
    [InlineData("0x20")]
    [InlineData("10 20")]
    public void EvaluateResponse_InvalidAge_StaleOnArrival(string age)
    {
        var decision = Evaluate(Headers(("Cache-Control", "max-age=600"), ("Age", age), ("ETag", "\"v\"")));

        Assert.True(decision.Storable); // still stored, to be revalidated
        Assert.Equal(TimeSpan.Zero, decision.FreshnessLifetime);
    }

    [Fact]
    public void EvaluateResponse_ValidAgeWithinMaxAge_Fresh() =>
        Assert.Equal(TimeSpan.FromSeconds(600), Evaluate(Headers(("Cache-Control", "max-age=600"), ("Age", "100"))).FreshnessLifetime);

    [Fact]
    public void EvaluateResponse_DateInPast_ApparentAge() =>
        Assert.Equal(TimeSpan.FromSeconds(20), CachePolicy.EvaluateResponse(200,
            new HeaderDictionary { ["Date"] = HeaderUtilities.FormatDate(Now.AddSeconds(-20)), ["Cache-Control"] = "max-age=60" },
            RequestCredentials.None, CacheRule.Default, Options, Now, Now).InitialAge);

    [Fact]
    public void Classify_WithinLifetime_Fresh() =>
        Assert.Equal(Freshness.Fresh, CachePolicy.Classify(Entry(TimeSpan.FromSeconds(60)), Now.AddSeconds(59)));

    [Fact]
    public void Classify_PastLifetimeWithinSwr_StaleWhileRevalidate() =>
        Assert.Equal(Freshness.StaleWhileRevalidate, CachePolicy.Classify(Entry(TimeSpan.FromSeconds(60), swr: TimeSpan.FromSeconds(30)), Now.AddSeconds(80)));

    [Fact]
    public void Classify_PastSwr_Stale() =>
        Assert.Equal(Freshness.Stale, CachePolicy.Classify(Entry(TimeSpan.FromSeconds(60), swr: TimeSpan.FromSeconds(30)), Now.AddSeconds(91)));

    [Fact]
    public void Classify_NoCacheEntry_AlwaysStale() =>
        Assert.Equal(Freshness.Stale, CachePolicy.Classify(Entry(TimeSpan.FromSeconds(60), flags: CacheEntryFlags.NoCache), Now));

    [Fact]
    public void CanServeStaleOnError_WithinWindow_True() =>
        Assert.True(CachePolicy.CanServeStaleOnError(Entry(TimeSpan.FromSeconds(60), sie: TimeSpan.FromHours(1)), Now.AddMinutes(30)));

    [Fact]
    public void CanServeStaleOnError_PastWindow_False() =>
        Assert.False(CachePolicy.CanServeStaleOnError(Entry(TimeSpan.FromSeconds(60), sie: TimeSpan.FromHours(1)), Now.AddHours(2)));

    [Fact]
    public void IsNotModified_MatchingWeakETag_True() =>
        Assert.True(CachePolicy.IsNotModified(Entry(TimeSpan.Zero), new HeaderDictionary { ["If-None-Match"] = "W/\"e1\"" }));

    [Fact]
    public void IsNotModified_OtherETag_False() =>
        Assert.False(CachePolicy.IsNotModified(Entry(TimeSpan.Zero), new HeaderDictionary { ["If-None-Match"] = "\"other\"" }));

    [Fact]
    public void IsNotModified_IfModifiedSinceAfterLastModified_True() =>
        Assert.True(CachePolicy.IsNotModified(Entry(TimeSpan.Zero), new HeaderDictionary { ["If-Modified-Since"] = HeaderUtilities.FormatDate(Now) }));

    [Fact]
    public void IsNotModified_IfModifiedSinceBeforeLastModified_False() =>
        Assert.False(CachePolicy.IsNotModified(Entry(TimeSpan.Zero), new HeaderDictionary { ["If-Modified-Since"] = HeaderUtilities.FormatDate(Now.AddDays(-2)) }));

    [Theory]
    [InlineData(0, true)]
    [InlineData(60, true)]
    [InlineData(-60, false)]
    public void IsNotModified_NoLastModified_TheStoredDateStandsForIt(int sinceSecondsAfterDate, bool notModified)
    {
        var entry = Entry(TimeSpan.FromHours(1)) with
        {
            LastModified = null,
            Headers = [new("Date", [HeaderUtilities.FormatDate(Now)])],
        };

        Assert.Equal(notModified, CachePolicy.IsNotModified(entry,
            new HeaderDictionary { ["If-Modified-Since"] = HeaderUtilities.FormatDate(Now.AddSeconds(sinceSecondsAfterDate)) }));
    }

    [Fact]
    public void IsNotModified_NeitherLastModifiedNorDate_BodySent() =>
        Assert.False(CachePolicy.IsNotModified(Entry(TimeSpan.FromHours(1)) with { LastModified = null },
            new HeaderDictionary { ["If-Modified-Since"] = HeaderUtilities.FormatDate(Now) }));

    [Theory]
    [InlineData("Sun, 22 Nov 2026 12:00:00 gmt")]
    [InlineData("Sun, 22 Nov 2026 12:00:00 Gmt")]
    [InlineData("sunday, 22-nov-26 12:00:00 GMT")]
    public void IsNotModified_DateWithOtherLetterCase_ComparedAsADate(string ifModifiedSince) =>
        Assert.True(CachePolicy.IsNotModified(Entry(TimeSpan.Zero), new HeaderDictionary { ["If-Modified-Since"] = ifModifiedSince }));

    [Theory]
    [InlineData("Sunday, 22-Nov-26 12:00:00 GMT", true)]
    [InlineData("Sun Nov 22 12:00:00 2026", true)]
    [InlineData("Friday, 20-Nov-26 12:00:00 GMT", false)]
    [InlineData("Fri Nov 20 12:00:00 2026", false)]
    [InlineData("yesterday", false)]
    public void IsNotModified_IfModifiedSinceInObsoleteForm_ComparedAsADate(string ifModifiedSince, bool notModified) =>
        Assert.Equal(notModified, CachePolicy.IsNotModified(Entry(TimeSpan.Zero), new HeaderDictionary { ["If-Modified-Since"] = ifModifiedSince }));

    [Fact]
    public void IsNotModified_StoredLastModifiedInAsctimeForm_ComparedAsADate() =>
        Assert.True(CachePolicy.IsNotModified(Entry(TimeSpan.Zero) with { LastModified = "Sat Nov 21 12:00:00 2026" },
            new HeaderDictionary { ["If-Modified-Since"] = HeaderUtilities.FormatDate(Now.AddHours(-1)) }));

    [Fact]
    public void MergeNotModified_NewCacheControlReplacesOldButBodyHeadersKept()
    {
        var merged = CachePolicy.MergeNotModified(
            [new("Cache-Control", ["max-age=10"]), new("Content-Type", ["text/html"])],
            new HeaderDictionary { ["Cache-Control"] = "max-age=99", ["Content-Type"] = "text/plain" });

        Assert.Equal("max-age=99", merged["Cache-Control"].ToString());
        Assert.Equal("text/html", merged["Content-Type"].ToString());
    }

    [Fact]
    public void EntryAge_AdvancesWithTheClock()
    {
        var clock = new FakeTimeProvider(Now);
        var entry = Entry(TimeSpan.FromSeconds(60)) with { InitialAge = TimeSpan.FromSeconds(5) };
        clock.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal(TimeSpan.FromSeconds(15), entry.Age(clock.GetUtcNow()));
        Assert.Equal(TimeSpan.FromSeconds(45), entry.TimeToLive(clock.GetUtcNow()));
    }

    // RFC 9213 targeted fields

    [Fact]
    public void EvaluateResponse_CdnCacheControlMaxAgeWithCacheControlNoStore_StoredForTheTargetedMaxAge()
    {
        var decision = Evaluate(Headers(("Cache-Control", "no-store"), ("CDN-Cache-Control", "max-age=60")));

        Assert.True(decision.Storable);
        Assert.Equal(TimeSpan.FromSeconds(60), decision.FreshnessLifetime);
    }

    [Fact]
    public void EvaluateResponse_TargetedNoStoreWithCacheControlMaxAge_NotStorable() =>
        Assert.Equal("no-store", Evaluate(Headers(("Cache-Control", "public, max-age=600"), ("CDN-Cache-Control", "no-store"))).Reason);

    [Fact]
    public void EvaluateResponse_TargetedField_CacheControlPrivateDoesNotCount() =>
        Assert.True(Evaluate(Headers(("Cache-Control", "private"), ("CDN-Cache-Control", "max-age=60"))).Storable);

    /// <summary>
    /// RFC 9213 2.2 sets Cache-Control's private aside for a targeted field, but not what
    /// protects other readers besides it: Set-Cookie still keeps the answer out, and an answer to
    /// a request with Authorization still needs public, s-maxage or must-revalidate in the targeted field.
    /// </summary>
    [Fact]
    public void EvaluateResponse_TargetedMaxAgeOverPrivate_SetCookieOrAuthorizationStillNotStorable()
    {
        Assert.Equal("set-cookie", Evaluate(Headers(("Cache-Control", "private"), ("CDN-Cache-Control", "max-age=60"), ("Set-Cookie", "s=1"))).Reason);
        Assert.Equal("authorization", Evaluate(Headers(("Cache-Control", "private"), ("CDN-Cache-Control", "max-age=60")),
            credentials: RequestCredentials.Authorization).Reason);
        Assert.Equal("authorization", Evaluate(Headers(("Cache-Control", "public, s-maxage=60"), ("CDN-Cache-Control", "max-age=60")),
            credentials: RequestCredentials.Authorization).Reason);
    }

    [Fact]
    public void EvaluateResponse_TargetedPrivate_NotStorable() =>
        Assert.Equal("private", Evaluate(Headers(("Cache-Control", "public, max-age=60"), ("CDN-Cache-Control", "private=\"x\""))).Reason);

    [Fact]
    public void EvaluateResponse_TargetedField_ExpiresDoesNotCount()
    {
        // Cache-Control and Expires both give way: the targeted field has no freshness, so heuristics apply.
        var decision = Evaluate(Headers(("Expires", HeaderUtilities.FormatDate(Now.AddHours(1))), ("CDN-Cache-Control", "must-revalidate"),
            ("Last-Modified", HeaderUtilities.FormatDate(Now.AddHours(-10)))));

        Assert.Equal(TimeSpan.FromHours(1), decision.FreshnessLifetime);
        Assert.Equal(CacheEntryFlags.HeuristicFreshness, decision.Flags);
    }

    [Fact]
    public void EvaluateResponse_EdgeCacheFieldBeforeCdnField_EdgeCacheFieldDecides() =>
        Assert.Equal(TimeSpan.FromSeconds(5), Evaluate(Headers(("CDN-Cache-Control", "max-age=60"), ("EdgeCache-Cache-Control", "max-age=5"))).FreshnessLifetime);

    [Fact]
    public void EvaluateResponse_InvalidTargetedField_CacheControlDecides() =>
        Assert.Equal("no-store", Evaluate(Headers(("Cache-Control", "no-store"), ("CDN-Cache-Control", "max-age=60,"))).Reason);

    [Fact]
    public void EvaluateResponse_TargetedFieldWithNothingKnown_CacheControlDecides() =>
        Assert.Equal(TimeSpan.FromSeconds(600),
            Evaluate(Headers(("Cache-Control", "max-age=600"), ("CDN-Cache-Control", "max-age=\"60\"")), status: 302).FreshnessLifetime);

    [Fact]
    public void EvaluateResponse_MisspeltTargetedField_CacheControlPrivateStillHolds() =>
        Assert.Equal("private", Evaluate(Headers(("Cache-Control", "private"), ("CDN-Cache-Control", "maxage=60"),
            ("Last-Modified", HeaderUtilities.FormatDate(Now.AddDays(-30))))).Reason);

    [Fact]
    public void EvaluateResponse_TargetedStaleWindows_Used()
    {
        var decision = Evaluate(Headers(("CDN-Cache-Control", "max-age=60, stale-while-revalidate=30, stale-if-error=600")));

        Assert.Equal(TimeSpan.FromSeconds(30), decision.StaleWhileRevalidate);
        Assert.Equal(TimeSpan.FromSeconds(600), decision.StaleIfError);
    }

    [Fact]
    public void EvaluateResponse_TargetedMustRevalidate_NoGraceWindow() =>
        Assert.Equal(TimeSpan.Zero, Evaluate(Headers(("Cache-Control", "max-age=60, stale-if-error=600"), ("CDN-Cache-Control", "max-age=60, must-revalidate"))).StaleIfError);

    [Fact]
    public void EvaluateResponse_TargetedFieldNotOnTheConfiguredList_Ignored()
    {
        var options = new CacheOptions { TargetedFields = ["Acme-Cache-Control"] };

        var decision = CachePolicy.EvaluateResponse(200, Headers(("Cache-Control", "no-store"), ("CDN-Cache-Control", "max-age=60")),
            RequestCredentials.None, CacheRule.Default, options, Now, Now);

        Assert.Equal("no-store", decision.Reason);
    }

    [Fact]
    public void EvaluateResponse_RuleTtlWithTargetedField_RuleWins() =>
        Assert.Equal(TimeSpan.FromMinutes(5), Evaluate(Headers(("CDN-Cache-Control", "max-age=60")), rule: Rule(r => r.Ttl = TimeSpan.FromMinutes(5))).FreshnessLifetime);

    // RFC 9111 3: statuses

    [Theory]
    [InlineData(500)]
    [InlineData(502)]
    [InlineData(503)]
    [InlineData(504)]
    public void EvaluateResponse_ErrorWithExplicitFreshness_Storable(int status) =>
        Assert.Equal(TimeSpan.FromSeconds(60), Evaluate(Headers(("Cache-Control", "max-age=60")), status).FreshnessLifetime);

    [Theory]
    [InlineData(500)]
    [InlineData(503)]
    public void EvaluateResponse_ErrorWithoutExplicitFreshness_NotStorable(int status) =>
        Assert.Equal($"status-{status}", Evaluate(Headers(("Last-Modified", HeaderUtilities.FormatDate(Now.AddHours(-10)))), status).Reason);

    [Fact]
    public void EvaluateResponse_ErrorWithPublicOnly_NoHeuristicFreshness() =>
        Assert.Equal("status-500", Evaluate(Headers(("Cache-Control", "public"), ("Last-Modified", HeaderUtilities.FormatDate(Now.AddHours(-10)))), 500).Reason);

    [Fact]
    public void EvaluateResponse_ErrorWithRuleTtlOnly_NotStorable() =>
        Assert.Equal("status-503", Evaluate(Headers(), 503, rule: Rule(r => r.Ttl = TimeSpan.FromMinutes(5))).Reason);

    [Fact]
    public void EvaluateResponse_ErrorWithTargetedFreshness_Storable() =>
        Assert.Equal(TimeSpan.FromSeconds(10), Evaluate(Headers(("Cache-Control", "no-store"), ("CDN-Cache-Control", "max-age=10")), 503).FreshnessLifetime);

    [Fact]
    public void EvaluateResponse_HeuristicallyCacheable501_HeuristicFreshness() =>
        Assert.Equal(TimeSpan.FromHours(1), Evaluate(Headers(("Last-Modified", HeaderUtilities.FormatDate(Now.AddHours(-10)))), 501).FreshnessLifetime);

    [Theory]
    [InlineData(599)]
    [InlineData(299)]
    [InlineData(418)]
    public void EvaluateResponse_UnrecognisedStatusHeuristicOnly_NotStorable(int status) =>
        Assert.Equal($"status-{status}", Evaluate(Headers(("Last-Modified", HeaderUtilities.FormatDate(Now.AddHours(-10)))), status).Reason);

    [Fact]
    public void EvaluateResponse_UnrecognisedStatusPublicOnly_NotStorable() =>
        Assert.Equal("status-299", Evaluate(Headers(("Cache-Control", "public"), ("Last-Modified", HeaderUtilities.FormatDate(Now.AddHours(-10)))), 299).Reason);

    [Fact]
    public void EvaluateResponse_UnrecognisedStatusExplicitFreshness_Storable() =>
        Assert.Equal(TimeSpan.FromSeconds(60), Evaluate(Headers(("Cache-Control", "max-age=60")), 599).FreshnessLifetime);

    [Theory]
    [InlineData(200, true)]
    [InlineData(404, true)]
    [InlineData(426, true)]
    [InlineData(505, true)]
    [InlineData(306, false)]
    [InlineData(418, false)]
    [InlineData(299, false)]
    [InlineData(599, false)]
    public void IsRecognised_Rfc9110Statuses(int status, bool expected) =>
        Assert.Equal(expected, RecognisedStatus.IsRecognised(status));

    // RFC 9111 5.2.2.3 must-understand

    [Fact]
    public void EvaluateResponse_MustUnderstandWithNoStoreRecognisedStatus_Storable() =>
        Assert.Equal(TimeSpan.FromSeconds(60), Evaluate(Headers(("Cache-Control", "no-store, must-understand, max-age=60"))).FreshnessLifetime);

    [Fact]
    public void EvaluateResponse_MustUnderstandUnrecognisedStatus_NotStorable() =>
        Assert.Equal("must-understand", Evaluate(Headers(("Cache-Control", "must-understand, max-age=60")), 599).Reason);

    [Fact]
    public void EvaluateResponse_MustUnderstandInTargetedField_Honoured() =>
        Assert.True(Evaluate(Headers(("CDN-Cache-Control", "no-store, must-understand, max-age=60"))).Storable);

    [Fact]
    public void EvaluateResponse_NoStoreWithoutMustUnderstand_NotStorable() =>
        Assert.Equal("no-store", Evaluate(Headers(("Cache-Control", "no-store, max-age=60")), 599).Reason);

    // RFC 9111 3.5 Authorization

    [Theory]
    [InlineData("public, max-age=60")]
    [InlineData("s-maxage=60")]
    [InlineData("must-revalidate, max-age=60")]
    public void EvaluateResponse_AuthorizationMarkedShareable_Storable(string cacheControl) =>
        Assert.True(Evaluate(Headers(("Cache-Control", cacheControl)), credentials: RequestCredentials.Authorization).Storable);

    [Theory]
    [InlineData("max-age=60")]
    [InlineData("")]
    [InlineData("no-cache, max-age=60")]
    public void EvaluateResponse_AuthorizationNotMarkedShareable_NotStorable(string cacheControl) =>
        Assert.Equal("authorization", Evaluate(Headers(("Cache-Control", cacheControl), ("ETag", "\"e\"")), credentials: RequestCredentials.Authorization).Reason);

    [Fact]
    public void EvaluateResponse_AuthorizationInvalidSMaxAge_NotStorable() =>
        Assert.Equal("authorization", Evaluate(Headers(("Cache-Control", "s-maxage=soon"), ("ETag", "\"e\"")), credentials: RequestCredentials.Authorization).Reason);

    [Fact]
    public void EvaluateResponse_AuthorizationPublicInTargetedField_Storable() =>
        Assert.True(Evaluate(Headers(("Cache-Control", "private"), ("CDN-Cache-Control", "public, max-age=60")), credentials: RequestCredentials.Authorization).Storable);

    [Fact]
    public void EvaluateResponse_AuthorizationPublicOnlyInIgnoredCacheControl_NotStorable() =>
        Assert.Equal("authorization", Evaluate(Headers(("Cache-Control", "public, max-age=60"), ("CDN-Cache-Control", "max-age=60")),
            credentials: RequestCredentials.Authorization).Reason);

    [Fact]
    public void EvaluateResponse_AuthorizationMustRevalidateWithoutFreshness_NoHeuristic() =>
        Assert.Equal("authorization", Evaluate(Headers(("Cache-Control", "must-revalidate"), ("Last-Modified", HeaderUtilities.FormatDate(Now.AddHours(-10)))),
            credentials: RequestCredentials.Authorization).Reason);

    [Fact]
    public void EvaluateResponse_AuthorizationWithRuleTtl_RuleDoesNotMakeItShareable() =>
        Assert.Equal("authorization", Evaluate(Headers(("Cache-Control", "max-age=60")), credentials: RequestCredentials.Authorization,
            rule: Rule(r => r.Ttl = TimeSpan.FromMinutes(5))).Reason);

    [Fact]
    public void EvaluateResponse_AuthorizationWithRuleCacheAuthorized_Storable() =>
        Assert.True(Evaluate(Headers(("Cache-Control", "max-age=60")), credentials: RequestCredentials.Authorization,
            rule: Rule(r => r.CacheAuthorized = true)).Storable);

    [Fact]
    public void Classify_HeuristicEntryForAuthorizationReader_StaleUntilConfirmed() =>
        Assert.Equal(Freshness.Stale, CachePolicy.Classify(Entry(TimeSpan.FromHours(1), flags: CacheEntryFlags.HeuristicFreshness), Now, RequestCredentials.Authorization));
}
