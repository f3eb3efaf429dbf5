using EdgeCache.Caching.Entries;
using EdgeCache.Caching.Policy;

namespace EdgeCache.Tests.Caching.Policy;

public sealed class RequestDeciderTests
{
    private static readonly DateTimeOffset Stored = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    /// <summary>An entry stored at <see cref="Stored"/>: 60 s fresh, 30 s stale-while-revalidate, 1 h stale-if-error.</summary>
    private static CacheEntry Entry(bool heuristic = false) => new()
    {
        Key = "k",
        StatusCode = 200,
        ResponseTime = Stored,
        FreshnessLifetime = TimeSpan.FromSeconds(60),
        StaleWhileRevalidate = TimeSpan.FromSeconds(30),
        StaleIfError = TimeSpan.FromHours(1),
        Flags = heuristic ? CacheEntryFlags.HeuristicFreshness : CacheEntryFlags.None,
    };

    public static TheoryData<string, string?, bool, bool, int, bool, string, bool, string, string> Table() => new()
    {
        // case,                         bypass,  reload, cookie, age s, entry, origin,   due,  action,                 wait
        { "bypass rule",                 "rule",  false,  false,  0,     true,  "up",      false, "Bypass",               "UntilAnsweredOrDown" },
        { "nothing stored",              null,    false,  false,  0,     false, "up",      false, "Fetch",                "UntilAnsweredOrDown" },
        { "nothing stored, site down",   null,    false,  false,  0,     false, "down",    false, "Fetch",                "UntilAnsweredOrDown" },
        { "fresh",                       null,    false,  false,  10,    true,  "up",      false, "Hit",                  "UntilAnsweredOrDown" },
        { "fresh, refresh-ahead due",    null,    false,  false,  55,    true,  "up",      true,  "HitRefreshAhead",      "UntilAnsweredOrDown" },
        { "fresh, site down",            null,    false,  false,  10,    true,  "down",    false, "Hit",                  "UntilAnsweredOrDown" },
        { "fresh, reload",               null,    true,   false,  10,    true,  "up",      false, "Fetch",                "AtMostStaleDeadline" },
        { "fresh, reload, site down",    null,    true,   false,  10,    true,  "down",    false, "StaleOriginDown",      "UntilAnsweredOrDown" },
        { "within swr",                  null,    false,  false,  70,    true,  "up",      false, "StaleWhileRevalidate", "UntilAnsweredOrDown" },
        { "within swr, site down",       null,    false,  false,  70,    true,  "down",    false, "StaleOriginDown",      "UntilAnsweredOrDown" },
        { "stale, within sie",           null,    false,  false,  600,   true,  "up",      false, "Fetch",                "AtMostStaleDeadline" },
        { "stale, within sie, down",     null,    false,  false,  600,   true,  "down",    false, "StaleOriginDown",      "UntilAnsweredOrDown" },
        { "past sie",                    null,    false,  false,  7200,  true,  "up",      false, "Fetch",                "UntilAnsweredOrDown" },
        { "past sie, site down",         null,    false,  false,  7200,  true,  "down",    false, "Fetch",                "UntilAnsweredOrDown" },
        { "nothing stored, key failing", null,    false,  false,  0,     false, "failing", false, "Fetch",               "UntilAnsweredOrDown" },
        { "fresh, key failing",          null,    false,  false,  10,    true,  "failing", false, "Hit",                 "UntilAnsweredOrDown" },
        { "within swr, key failing",     null,    false,  false,  70,    true,  "failing", false, "StaleOriginFailing",  "UntilAnsweredOrDown" },
        { "stale, within sie, failing",  null,    false,  false,  600,   true,  "failing", false, "StaleOriginFailing",  "UntilAnsweredOrDown" },
        { "reload, key failing",         null,    true,   false,  10,    true,  "failing", false, "StaleOriginFailing",  "UntilAnsweredOrDown" },
        { "past sie, key failing",       null,    false,  false,  7200,  true,  "failing", false, "Fetch",               "UntilAnsweredOrDown" },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void Decide_Table(string name, string? bypass, bool reload, bool cookie, int ageSeconds, bool stored, string origin, bool due,
        string action, string wait)
    {
        var facts = new RequestFacts(bypass, reload, cookie ? RequestCredentials.Cookie : RequestCredentials.None);

        var state = origin switch { "down" => OriginState.SiteDown, "failing" => OriginState.KeyFailing, _ => OriginState.Up };

        var decision = RequestDecider.Decide(facts, stored ? Entry() : null, Stored.AddSeconds(ageSeconds), state, due);

        Assert.True(action == decision.Action.ToString() && wait == decision.Wait.ToString(), $"{name}: {decision}");
    }

    [Fact]
    public void Decide_HeuristicEntryForCookieReader_FetchedNotHit()
    {
        var decision = RequestDecider.Decide(new RequestFacts(null, false, RequestCredentials.Cookie), Entry(heuristic: true), Stored.AddSeconds(10), OriginState.Up, false);

        Assert.Equal(new RequestDecision(RequestAction.Fetch, FetchWait.AtMostStaleDeadline), decision);
    }

    [Fact]
    public void Decide_HeuristicEntryForAnonymousReader_Hit() =>
        Assert.Equal(RequestAction.Hit, RequestDecider.Decide(new RequestFacts(null, false, RequestCredentials.None), Entry(heuristic: true),
            Stored.AddSeconds(10), OriginState.Up, false).Action);
}
