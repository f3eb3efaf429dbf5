using EdgeCache.Caching.Entries;
using EdgeCache.Rules;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace EdgeCache.Caching.Policy;

/// <summary>
/// The pure RFC 9111 / RFC 5861 decisions: headers, rule, options and times in; a decision out.
/// Nothing here reads the clock or does I/O.
/// </summary>
internal static class CachePolicy
{
    /// <summary>
    /// The longest freshness an origin can grant: RFC 9111 1.2.2's cap on delta-seconds (2^31 s, about
    /// 68 years), applied to <c>Expires</c> too, so <c>Expires: Fri, 31 Dec 9999 23:59:59 GMT</c> is no
    /// fresher than <c>max-age=2147483648</c> and response time plus lifetime stays a valid date.
    /// </summary>
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromSeconds(int.MaxValue);

    /// <summary>Why a request must not use the cache at all, or null when it may.</summary>
    public static string? BypassReason(string method, IHeaderDictionary requestHeaders, CacheRule rule)
    {
        if (!HttpMethods.IsGet(method) && !HttpMethods.IsHead(method))
        {
            return "method";
        }
        if (rule.Bypass)
        {
            return "rule";
        }
        // RFC 9111 3.5: a request with Authorization uses the cache like any other; what protects
        // its reader is the storage decision (EvaluateResponse) and the hit rule (Classify). Only a
        // rule's CacheAuthorized: false keeps it out.
        if (rule.Options.CacheAuthorized == false && requestHeaders.ContainsKey(HeaderNames.Authorization))
        {
            return "authorization";
        }
        if (requestHeaders.ContainsKey(HeaderNames.Upgrade))
        {
            return "upgrade";
        }
        return null;
    }

    /// <summary>What in the request identifies its reader.</summary>
    public static RequestCredentials CredentialsOf(IHeaderDictionary requestHeaders) =>
        (requestHeaders.ContainsKey(HeaderNames.Authorization) ? RequestCredentials.Authorization : RequestCredentials.None)
        | (requestHeaders.ContainsKey(HeaderNames.Cookie) ? RequestCredentials.Cookie : RequestCredentials.None);

    /// <summary>
    /// True when the client asks for an end-to-end reload (<c>no-cache</c>, <c>max-age=0</c>,
    /// <c>Pragma: no-cache</c>) and the cache is configured to honour that.
    /// </summary>
    public static bool ClientRequiresReload(IHeaderDictionary requestHeaders, CacheOptions options)
    {
        if (!options.HonourClientCacheControl)
        {
            return false;
        }
        var cc = CacheControl.Parse(requestHeaders.CacheControl);
        if (cc.NoCache || cc.MaxAge is { Present: true, Value.Ticks: 0 })
        {
            return true;
        }
        return requestHeaders.CacheControl.Count == 0 && requestHeaders.Pragma.ToString().Contains("no-cache", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// RFC 9111 section 3: may this response be stored, and with what timings. The directives are
    /// those of the first applicable RFC 9213 targeted field (<see cref="CacheOptions.TargetList"/>),
    /// else <c>Cache-Control</c> and <c>Expires</c>. Statuses: any status may be stored with explicit
    /// freshness; heuristic freshness only for RFC 9110 15.1's heuristically cacheable statuses (and
    /// <c>public</c> ones below 500); an unrecognised status (<see cref="RecognisedStatus"/>) only with
    /// explicit freshness; 206 and 304 are never stored as complete responses. Besides the RFC's
    /// rules, what is never shared:
    /// <list type="bullet">
    /// <item>a response to a request with <c>Cookie</c> gets no heuristic freshness: it is stored only
    /// with positive explicit freshness, <c>public</c> or <c>s-maxage</c> (most frameworks send a
    /// logged-in page with no caching headers at all), unless a rule sets its <c>Ttl</c>;</item>
    /// <item>a response to a request with <c>Authorization</c> is stored only with <c>public</c>,
    /// <c>s-maxage</c> or <c>must-revalidate</c> (RFC 9111 3.5), whatever a rule's <c>Ttl</c> says,
    /// unless the rule sets <c>CacheAuthorized</c>; with <c>must-revalidate</c> alone, as for a
    /// cookie, only with positive explicit freshness;</item>
    /// <item>an error status (5xx but 501) or an unrecognised one is never stored on a guess: neither
    /// heuristics nor a rule's <c>Ttl</c> give it freshness the origin did not;</item>
    /// <item>a response without positive freshness (none, <c>max-age=0</c>, <c>Expires</c> in the past,
    /// <c>no-cache</c>) is only ever reused after a successful revalidation, or within stale windows the
    /// origin itself granted: EdgeCache's own and the rule's fallback windows apply only to
    /// responses that had positive freshness.</item>
    /// </list>
    /// The reason strings (<c>status-NNN</c>, <c>no-store</c>, ...) are what <c>Cache-Status</c> shows.
    /// </summary>
    public static StorageDecision EvaluateResponse(
        int statusCode,
        IHeaderDictionary responseHeaders,
        RequestCredentials credentials,
        CacheRule rule,
        CacheOptions options,
        DateTimeOffset requestTime,
        DateTimeOffset responseTime)
    {
        if (statusCode is < 200 or 206 or 304)
        {
            // Not complete responses: a 206 is a part, a 304 only updates a stored one.
            return StorageDecision.No($"status-{statusCode}");
        }
        var cc = TargetedCacheControl.Select(responseHeaders, options.TargetList) ?? CacheControl.Parse(responseHeaders.CacheControl);
        var recognised = RecognisedStatus.IsRecognised(statusCode);
        if (cc.MustUnderstand)
        {
            // RFC 9111 5.2.2.3: store only a status whose caching rules are understood, and then
            // despite no-store (which is there for caches that do not understand it).
            if (!recognised)
            {
                return StorageDecision.No("must-understand");
            }
        }
        else if (cc.NoStore)
        {
            return StorageDecision.No("no-store");
        }
        if (cc.Private && !rule.Options.CachePrivate)
        {
            return StorageDecision.No("private");
        }
        // RFC 9111 3.5: shared only when the origin says so, unless the rule says every user gets the same.
        // An unparsable s-maxage grants nothing here: the permission must be unmistakable.
        var authorization = (credentials & RequestCredentials.Authorization) != 0 && rule.Options.CacheAuthorized != true;
        var sharedMaxAge = cc.SharedMaxAge.ValidValue is not null;
        if (authorization && !cc.Public && !sharedMaxAge && !cc.MustRevalidate)
        {
            return StorageDecision.No("authorization");
        }
        if (responseHeaders.ContainsKey(HeaderNames.SetCookie) && !rule.Options.CacheSetCookie)
        {
            return StorageDecision.No("set-cookie");
        }
        if (CacheEntryFactory.HasTooManyTags(responseHeaders, rule))
        {
            // Stored, some of its tags would be left out and a purge by them would miss it: passed through instead.
            return StorageDecision.No("too-many-tags");
        }
        foreach (var vary in responseHeaders.Vary)
        {
            if (vary is null)
            {
                continue;
            }
            if (vary.Contains('*'))
            {
                return StorageDecision.No("vary-star");
            }
            foreach (var name in vary.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                // The origin saw the client address YARP wrote there, not what the reader sent: the
                // variant key cannot tell readers apart, so an address-specific page is never shared.
                if (name.Equals("X-Forwarded-For", StringComparison.OrdinalIgnoreCase) || name.Equals("Forwarded", StringComparison.OrdinalIgnoreCase))
                {
                    return StorageDecision.No("vary-client-address");
                }
            }
        }

        var date = ParseDate(responseHeaders.Date) ?? responseTime;
        var explicitLifetime = ExplicitLifetime(cc, responseHeaders, date);
        // An error (but 501, heuristically cacheable) or a status EdgeCache does not know is kept
        // only as long as the origin said.
        var explicitOnly = !recognised || (statusCode >= 500 && !IsHeuristicallyCacheable(statusCode));
        if (explicitOnly && explicitLifetime is null)
        {
            return StorageDecision.No($"status-{statusCode}");
        }
        // Shared with other readers only when the origin marked it shareable (RFC 9111 3.5's spirit for Cookie).
        var credentialed = (credentials & RequestCredentials.Cookie) != 0 && rule.Ttl is null && !cc.Public && !cc.SharedMaxAge.Present;
        // Allowed by must-revalidate alone: only for as long as the origin said, never on a guess.
        var authorizationReason = authorization && !cc.Public && !sharedMaxAge;
        TimeSpan lifetime;
        var flags = cc.NoCache ? CacheEntryFlags.NoCache : CacheEntryFlags.None;
        if (rule.Ttl is { } ttl && !authorizationReason)
        {
            lifetime = ttl;
        }
        else if (explicitLifetime is { } explicitValue)
        {
            lifetime = explicitValue;
        }
        else if ((IsHeuristicallyCacheable(statusCode) && !credentialed && !authorizationReason) || (cc.Public && statusCode < 500))
        {
            lifetime = HeuristicLifetime(responseHeaders, date, options);
            flags |= CacheEntryFlags.HeuristicFreshness;
        }
        else
        {
            return StorageDecision.No(authorizationReason ? "authorization" : credentialed ? "cookie" : "no-freshness");
        }
        if (authorizationReason && (lifetime <= TimeSpan.Zero || cc.NoCache))
        {
            return StorageDecision.No("authorization");
        }
        if (credentialed && (lifetime <= TimeSpan.Zero || cc.NoCache))
        {
            return StorageDecision.No("cookie");
        }
        if (AgeValue(responseHeaders) is { Present: true, Valid: false })
        {
            lifetime = TimeSpan.Zero; // RFC 9111 5.1: an invalid Age, stale on arrival
        }

        // must-revalidate, proxy-revalidate and no-cache forbid serving stale (RFC 9111 4.2.4) unless
        // the publisher's rule explicitly allows it. s-maxage implies proxy-revalidate (5.2.2.10):
        // the origin's own stale windows still apply there (RFC 5861), the fallback ones do not.
        // Nor do they where the response had no freshness to begin with: it was never meant to be
        // reused without asking the origin.
        var permission = rule.Options.ServeStaleDespiteRevalidate;
        var noStale = (cc.MustRevalidate || cc.ProxyRevalidate || cc.NoCache) && !permission;
        var allowFallbackWindows = !noStale && (!cc.SharedMaxAge.Present || permission) && lifetime > TimeSpan.Zero;
        // A stored error (explicitOnly) is never reused once stale but under the origin's own
        // stale-if-error: no stale-while-revalidate and none of EdgeCache's or a rule's windows.
        allowFallbackWindows &= !explicitOnly;
        var swr = noStale || explicitOnly ? TimeSpan.Zero : cc.StaleWhileRevalidate.ValidValue
            ?? (allowFallbackWindows ? rule.StaleWhileRevalidate ?? options.DefaultStaleWhileRevalidate : TimeSpan.Zero);
        var sie = noStale ? TimeSpan.Zero : cc.StaleIfError.ValidValue
            ?? (allowFallbackWindows ? rule.StaleIfError ?? options.DefaultStaleIfError : TimeSpan.Zero);
        if (cc.NoCache)
        {
            // RFC 9111 5.2.2.4: never reused without successful validation, whatever max-age says.
            lifetime = TimeSpan.Zero;
        }

        var hasValidators = responseHeaders.ContainsKey(HeaderNames.ETag) || responseHeaders.ContainsKey(HeaderNames.LastModified);
        if (lifetime <= TimeSpan.Zero && !hasValidators && swr <= TimeSpan.Zero && sie <= TimeSpan.Zero)
        {
            return StorageDecision.No("no-freshness");
        }

        var initialAge = InitialAge(responseHeaders, date, requestTime, responseTime);
        return new StorageDecision(true, "stored", lifetime, swr, sie, initialAge, flags);
    }

    /// <summary>
    /// s-maxage, then max-age, then Expires minus Date (not for a targeted field: RFC 9213 2.2 has
    /// Expires ignored with it). Invalid values mean already stale.
    /// </summary>
    public static TimeSpan? ExplicitLifetime(CacheControl cc, IHeaderDictionary headers, DateTimeOffset date)
    {
        if (cc.SharedMaxAge.Present)
        {
            return cc.SharedMaxAge.Valid ? cc.SharedMaxAge.Value : TimeSpan.Zero;
        }
        if (cc.MaxAge.Present)
        {
            return cc.MaxAge.Valid ? cc.MaxAge.Value : TimeSpan.Zero;
        }
        if (!cc.Targeted && headers.ContainsKey(HeaderNames.Expires))
        {
            // RFC 9111 5.3: an invalid date, "0" in particular, represents a time in the past.
            return ParseDate(headers.Expires) is { } expires && expires > date
                ? (expires - date < MaxLifetime ? expires - date : MaxLifetime)
                : TimeSpan.Zero;
        }
        return null;
    }

    /// <summary>RFC 9110 15.1: the statuses that may be given heuristic freshness.</summary>
    public static bool IsHeuristicallyCacheable(int statusCode) =>
        statusCode is 200 or 203 or 204 or 300 or 301 or 308 or 404 or 405 or 410 or 414 or 501;

    /// <summary>RFC 9111 4.2.2: a fraction of the time since Last-Modified, capped.</summary>
    public static TimeSpan HeuristicLifetime(IHeaderDictionary headers, DateTimeOffset date, CacheOptions options)
    {
        var lastModified = ParseDate(headers.LastModified);
        if (lastModified is not { } modified || modified >= date)
        {
            return TimeSpan.Zero;
        }
        var heuristic = (date - modified) * options.HeuristicFraction;
        return heuristic < options.HeuristicMaxAge ? heuristic : options.HeuristicMaxAge;
    }

    /// <summary>RFC 9111 4.2.3 corrected_initial_age.</summary>
    public static TimeSpan InitialAge(IHeaderDictionary headers, DateTimeOffset date, DateTimeOffset requestTime, DateTimeOffset responseTime)
    {
        var ageValue = AgeValue(headers).ValidValue ?? TimeSpan.Zero;
        var apparentAge = Max(TimeSpan.Zero, responseTime - date);
        var responseDelay = Max(TimeSpan.Zero, responseTime - requestTime);
        return Max(apparentAge, ageValue + responseDelay);
    }

    /// <summary>
    /// RFC 9111 5.1: <c>Age</c> is a singleton; of several lines or a list, the first member counts.
    /// Present but not a non-negative integer: <see cref="DeltaSeconds.Valid"/> is false, and the
    /// response is taken as stale (an age that cannot be known is never assumed to be zero).
    /// </summary>
    public static DeltaSeconds AgeValue(IHeaderDictionary headers)
    {
        var lines = headers.Age;
        if (lines.Count == 0)
        {
            return DeltaSeconds.Absent;
        }
        var first = (lines[0] ?? "").AsSpan();
        var comma = first.IndexOf(',');
        return DeltaSeconds.Parse((comma < 0 ? first : first[..comma]).Trim(' ').Trim('\t').ToString(), hasValue: true);
    }

    /// <summary>Where a stored entry stands at <paramref name="now"/> for an ordinary request.</summary>
    public static Freshness Classify(CacheEntry entry, DateTimeOffset now)
    {
        if (entry.NoCache)
        {
            return Freshness.Stale;
        }
        var age = entry.Age(now);
        if (age < entry.FreshnessLifetime)
        {
            return Freshness.Fresh;
        }
        return age < entry.FreshnessLifetime + entry.StaleWhileRevalidate ? Freshness.StaleWhileRevalidate : Freshness.Stale;
    }

    /// <summary>
    /// Where a stored entry stands for this reader: an entry fresh by heuristic only was never
    /// marked shareable by the origin, so a reader with a cookie or <c>Authorization</c> (whose page
    /// may differ) gets it only after the origin confirms it (a 304), never as a plain hit.
    /// </summary>
    public static Freshness Classify(CacheEntry entry, DateTimeOffset now, RequestCredentials credentials)
    {
        var freshness = Classify(entry, now);
        return freshness != Freshness.Stale && entry.HeuristicFreshness && credentials != RequestCredentials.None
            ? Freshness.Stale
            : freshness;
    }

    /// <summary>May this entry stand in for a failed origin (RFC 5861 stale-if-error, or grace)?</summary>
    public static bool CanServeStaleOnError(CacheEntry entry, DateTimeOffset now) =>
        entry.Age(now) < (entry.NoCache ? TimeSpan.Zero : entry.FreshnessLifetime) + entry.StaleIfError;

    /// <summary>
    /// May a reader who joined another reader's fetch be given its result: only what the cache
    /// could serve that reader without asking the origin, a stored entry that is fresh now.
    /// </summary>
    public static bool IsReusableWithoutValidation(CacheEntry entry, DateTimeOffset now, RequestCredentials credentials) =>
        entry.Kind == CacheEntryKind.Response && Classify(entry, now, credentials) == Freshness.Fresh;

    /// <summary>RFC 9110 13.1.1/13.1.3: does a conditional GET/HEAD match the stored entry (answer 304)?</summary>
    public static bool IsNotModified(CacheEntry entry, IHeaderDictionary requestHeaders) => IsNotModified(entry, entry.ETag, requestHeaders);

    /// <summary>As above, for the form of the entry whose validator is <paramref name="etag"/> (an encoded form's own, <see cref="EncodedForm"/>).</summary>
    public static bool IsNotModified(CacheEntry entry, string? etag, IHeaderDictionary requestHeaders)
    {
        if (entry.StatusCode != StatusCodes.Status200OK)
        {
            return false;
        }
        var ifNoneMatch = requestHeaders.IfNoneMatch;
        if (ifNoneMatch.Count > 0)
        {
            if (etag is null)
            {
                return false;
            }
            if (!EntityTagHeaderValue.TryParse(etag, out var stored))
            {
                return false;
            }
            if (!EntityTagHeaderValue.TryParseList(ifNoneMatch, out var candidates))
            {
                return false;
            }
            foreach (var candidate in candidates)
            {
                if (candidate.Equals(EntityTagHeaderValue.Any) || candidate.Compare(stored, useStrongComparison: false))
                {
                    return true;
                }
            }
            return false;
        }
        if (requestHeaders.IfModifiedSince.Count == 0)
        {
            return false;
        }
        // RFC 9110 13.1.3: without Last-Modified, the stored response's Date stands for it (the
        // response was current then); without either, the cache cannot tell, so it sends the body.
        var ifModifiedSince = ParseDate(requestHeaders.IfModifiedSince);
        var lastModified = ParseDate(entry.LastModified) ?? ParseDate(entry.GetHeader(HeaderNames.Date));
        return ifModifiedSince is { } since && lastModified is { } modified && modified <= since;
    }

    /// <summary>
    /// RFC 9111 4.3.4: the stored headers updated with those of a 304, except the fields that
    /// describe the body.
    /// </summary>
    public static HeaderDictionary MergeNotModified(KeyValuePair<string, string[]>[] stored, IHeaderDictionary notModified)
    {
        var merged = new HeaderDictionary();
        foreach (var header in stored)
        {
            merged[header.Key] = header.Value;
        }
        foreach (var header in notModified)
        {
            if (header.Key.Equals(HeaderNames.ContentLength, StringComparison.OrdinalIgnoreCase)
                || header.Key.Equals(HeaderNames.ContentEncoding, StringComparison.OrdinalIgnoreCase)
                || header.Key.Equals(HeaderNames.ContentType, StringComparison.OrdinalIgnoreCase)
                || header.Key.Equals(HeaderNames.ContentRange, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            merged[header.Key] = header.Value;
        }
        return merged;
    }

    /// <summary>An HTTP-date in any of its forms and letter cases (<see cref="HttpDate"/>); null when absent or invalid.</summary>
    private static DateTimeOffset? ParseDate(StringValues value) => HttpDate.Parse(value);

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
