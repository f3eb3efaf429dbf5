using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EdgeCache.Caching;
using EdgeCache.Caching.Entries;
using EdgeCache.Caching.Stores;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using EdgeCache.Diagnostics;

namespace EdgeCache.Admin;

/// <summary>
/// <c>/admin/*</c> on the management listener: purge, inspect an entry, warm URLs, post notices. Bearer token,
/// compared in constant time; a missing or wrong token gets 401 and changes nothing; with no token
/// configured the API is off (404). Bodies are size-limited, UTF-8 JSON objects (else 400 naming
/// <c>body</c>) and validated field by field.
/// </summary>
internal static partial class AdminEndpoints
{
    public static void Map(WebApplication app, IServiceProvider proxyServices)
    {
        var warmer = proxyServices.GetRequiredService<Warming.Warmer>();
        var coverage = proxyServices.GetRequiredService<Coverage.CoverageCalculator>();
        var options = proxyServices.GetRequiredService<IOptionsMonitor<AdminOptions>>();
        var purges = proxyServices.GetRequiredService<PurgeService>();
        var store = proxyServices.GetRequiredService<TieredStore>();
        var time = proxyServices.GetRequiredService<TimeProvider>();
        var notices = proxyServices.GetRequiredService<Status.NoticeBoard>();
        var logger = proxyServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(AdminEndpoints));

        var admin = app.MapGroup("/admin");
        admin.AddEndpointFilter(async (context, next) =>
        {
            var token = Token(options.CurrentValue);
            if (token is null)
            {
                return Results.NotFound();
            }
            if (!Authorized(context.HttpContext.Request, token))
            {
                context.HttpContext.Response.Headers.WWWAuthenticate = "Bearer realm=\"edgecache-admin\"";
                return Results.Problem(statusCode: 401, title: "Missing or wrong bearer token");
            }
            return await next(context);
        });
        // Without a token nothing under /admin exists, whatever the method or path.
        app.MapFallback("/admin/{**rest}", () => Token(options.CurrentValue) is null ? Results.NotFound() : Results.Problem(statusCode: 404, title: "No such admin endpoint"));

        admin.MapPost("/purge", async (HttpContext context) =>
        {
            var (body, problem) = await ReadBodyAsync(context, options.CurrentValue.MaxBodyBytes, PurgeFields);
            if (problem is not null)
            {
                return problem;
            }
            var errors = new Dictionary<string, string[]>();
            string? Field(string name)
            {
                if (!body.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
                {
                    return null;
                }
                if (value.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(value.GetString()))
                {
                    errors[name] = ["must be a non-empty string"];
                    return null;
                }
                return value.GetString();
            }
            var url = Field("url");
            var prefix = Field("prefix");
            var tag = Field("tag");
            var soft = false;
            if (body.TryGetProperty("soft", out var softValue) && softValue.ValueKind is not (JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null))
            {
                errors["soft"] = ["must be true or false"];
            }
            else if (softValue.ValueKind == JsonValueKind.True)
            {
                soft = true;
            }
            var given = new[] { ("url", url), ("prefix", prefix), ("tag", tag) }.Where(f => f.Item2 is not null).Select(f => f.Item1).ToArray();
            if (errors.Count == 0 && given.Length == 0)
            {
                errors["body"] = ["give one of url, prefix or tag"];
            }
            foreach (var name in given.Length > 1 ? given : [])
            {
                errors[name] = ["give only one of url, prefix or tag"]; // each field at fault named
            }
            Uri? target = null;
            if (errors.Count == 0 && (url ?? prefix) is { } address && !TryHttpUrl(address, out target))
            {
                errors[url is not null ? "url" : "prefix"] = ["must be an absolute http:// or https:// URL"];
            }
            if (errors.Count > 0)
            {
                return Results.ValidationProblem(errors, title: "Invalid purge request");
            }
            var request = url is not null ? new PurgeRequest(PurgeKind.Url, purges.KeyOf(target!), soft)
                : prefix is not null ? new PurgeRequest(PurgeKind.Prefix, purges.KeyOf(target!), soft)
                : new PurgeRequest(PurgeKind.Tag, tag!, soft);
            try
            {
                var count = await purges.PurgeAsync(request, context.RequestAborted);
                return Results.Json(new { purged = count, kind = request.Kind.ToString().ToLowerInvariant(), soft });
            }
            catch (PurgeIncompleteException ex)
            {
                // Never a silent success: the caller retries (purges are idempotent).
                return Results.Json(new { purged = ex.Purged, kind = request.Kind.ToString().ToLowerInvariant(), soft, error = ex.Message },
                    statusCode: StatusCodes.Status503ServiceUnavailable);
            }
        });

        admin.MapGet("/entry", async (HttpContext context, string? url) =>
        {
            if (url is null || !TryHttpUrl(url, out var target))
            {
                return Results.ValidationProblem(new Dictionary<string, string[]> { ["url"] = ["must be an absolute http:// or https:// URL"] }, title: "Invalid entry request");
            }
            var key = purges.KeyOf(target);
            var (entry, tier) = await FindAsync(store, key, context.RequestAborted);
            if (entry is null)
            {
                return Results.Problem(statusCode: 404, title: "Not cached", detail: key);
            }
            var now = time.GetUtcNow();
            return Results.Json(new
            {
                key = entry.Key,
                tier,
                kind = entry.Kind == CacheEntryKind.VaryMarker ? "vary-marker" : "response",
                vary = entry.VaryHeaders,
                status = entry.StatusCode,
                ageSeconds = (long)entry.Age(now).TotalSeconds,
                ttlSeconds = (long)Math.Floor(entry.TimeToLive(now).TotalSeconds),
                staleWhileRevalidateSeconds = (long)entry.StaleWhileRevalidate.TotalSeconds,
                staleIfErrorSeconds = (long)entry.StaleIfError.TotalSeconds,
                tags = entry.Tags,
                size = entry.Body.Length,
                etag = entry.ETag,
                checksum = tier == "memory" ? "held in memory (verified when it was loaded or fetched)" : "verified",
            });
        });

        admin.MapPost("/warm", async (HttpContext context) =>
        {
            var (body, problem) = await ReadBodyAsync(context, options.CurrentValue.MaxBodyBytes, WarmFields);
            if (problem is not null)
            {
                return problem;
            }
            var urls = new List<Uri>();
            var sitemaps = new List<Uri>();
            if (body.TryGetProperty("urls", out var list))
            {
                if (list.ValueKind != JsonValueKind.Array)
                {
                    return Invalid("urls", "must be an array of absolute URLs");
                }
                if (list.GetArrayLength() > options.CurrentValue.MaxWarmUrls)
                {
                    return Invalid("urls", $"at most {options.CurrentValue.MaxWarmUrls} URLs per request");
                }
                var index = 0;
                foreach (var item in list.EnumerateArray())
                {
                    if (item.ValueKind != JsonValueKind.String || !TryHttpUrl(item.GetString()!, out var target))
                    {
                        return Invalid($"urls[{index}]", "must be an absolute http:// or https:// URL");
                    }
                    urls.Add(target);
                    index++;
                }
            }
            if (body.TryGetProperty("sitemap", out var sitemap))
            {
                if (sitemap.ValueKind != JsonValueKind.String || !TryHttpUrl(sitemap.GetString()!, out var target))
                {
                    return Invalid("sitemap", "must be an absolute http:// or https:// URL");
                }
                sitemaps.Add(target);
            }
            if (urls.Count == 0 && sitemaps.Count == 0)
            {
                return Invalid("urls", "give a non-empty urls array or a sitemap URL");
            }
            var report = await warmer.WarmAsync(urls, sitemaps, pauseWhileDegraded: false, context.RequestAborted);
            // "Cached now" includes the shared tier, so every node has the pages: wait (a while) for the writes behind the answers.
            await store.FlushAsync().WaitAsync(TimeSpan.FromSeconds(5), context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
            var warmed = report.Results.Count(r => r.Error is null);
            // Nothing warmed and something failed (a sitemap that is a 404, say) is a failure, not a 200 with an empty list.
            var failed = warmed == 0 && (report.SitemapFailures.Count > 0 || report.Results.Count > 0);
            return Results.Json(new { warmed, results = report.Results, sitemaps = report.SitemapFailures },
                statusCode: failed ? StatusCodes.Status502BadGateway : StatusCodes.Status200OK);
        });

        admin.MapPost("/notice", async (HttpContext context) =>
        {
            var (body, problem) = await ReadBodyAsync(context, options.CurrentValue.MaxBodyBytes, NoticeFields);
            if (problem is not null)
            {
                return problem;
            }
            var (text, site, expires, errors) = NoticeRequest(body, time.GetUtcNow());
            if (errors.Count > 0)
            {
                return Results.ValidationProblem(errors, title: "Invalid notice");
            }
            if (notices.TryAdd(text!, site, expires) is not { } notice)
            {
                return Results.Problem(statusCode: StatusCodes.Status409Conflict,
                    title: $"At most {Status.NoticeBoard.MaxActive} notices at a time: delete one first (DELETE /admin/notice/{{id}})");
            }
            LogNoticePosted(logger, notice.Id, notice.Site ?? "every site", notice.Expires?.ToString("O", CultureInfo.InvariantCulture) ?? "deleted", notice.Text);
            return Results.Json(NoticeJson(notice), statusCode: StatusCodes.Status201Created);
        });

        admin.MapGet("/notice", () => Results.Json(new { notices = notices.Active().Select(NoticeJson) }));

        admin.MapDelete("/notice/{id}", (string id) =>
        {
            if (!notices.Remove(id))
            {
                return Results.Problem(statusCode: 404, title: "No such notice", detail: id);
            }
            LogNoticeRemoved(logger, id);
            return Results.NoContent();
        });

        admin.MapGet("/coverage", async (HttpContext context) =>
        {
            var report = await coverage.ComputeAsync(context.RequestAborted);
            return Results.Json(new
            {
                computedAt = report.ComputedAt,
                sites = report.Sites.Select(s => new { site = s.Site, ratio = Math.Round(s.Ratio, 4), volume = Math.Round(s.Volume, 2) }),
                topUncovered = report.TopUncovered.Select(u => new { url = u.Url, volume = u.Volume }),
            });
        });
    }

    private static IResult Invalid(string field, string message) =>
        Results.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] }, title: "Invalid request");

    private static string? Token(AdminOptions options) =>
        !string.IsNullOrEmpty(options.Token) ? options.Token : Environment.GetEnvironmentVariable("EDGECACHE_ADMIN_TOKEN") is { Length: > 0 } env ? env : null;

    private static bool Authorized(HttpRequest request, string token)
    {
        var header = request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        var given = header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) ? header[scheme.Length..].Trim() : "";
        // Hash both so the comparison takes the same time whatever the lengths.
        return CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(given)), SHA256.HashData(Encoding.UTF8.GetBytes(token)));
    }

    private static readonly string[] PurgeFields = ["url", "prefix", "tag", "soft"];
    private static readonly string[] WarmFields = ["urls", "sitemap"];
    private static readonly string[] NoticeFields = ["text", "site", "expires"];

    /// <summary>
    /// A notice's fields: <c>text</c> (plain text, up to <see cref="Status.NoticeBoard.MaxTextLength"/>
    /// characters), <c>site</c> (a host; absent for every site), <c>expires</c> (an ISO 8601 time in the
    /// future, or a duration from now such as <c>01:00:00</c> or <c>1.00:00:00</c>; absent to keep it until deleted).
    /// </summary>
    internal static (string? Text, string? Site, DateTimeOffset? Expires, Dictionary<string, string[]> Errors) NoticeRequest(JsonElement body, DateTimeOffset now)
    {
        var errors = new Dictionary<string, string[]>();
        string? text = null, site = null;
        DateTimeOffset? expires = null;
        if (!body.TryGetProperty("text", out var textValue) || textValue.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(textValue.GetString()))
        {
            errors["text"] = ["must be a non-empty string"];
        }
        else if ((text = textValue.GetString()!.Trim()).Length > Status.NoticeBoard.MaxTextLength)
        {
            errors["text"] = [$"at most {Status.NoticeBoard.MaxTextLength} characters ({text.Length} given)"];
        }
        else if (text.Any(char.IsControl))
        {
            // One line of plain text for readers; a line break or a terminal escape would only reach the logs.
            errors["text"] = ["one line of plain text: no control characters (line breaks, tabs, escapes)"];
        }
        if (body.TryGetProperty("site", out var siteValue) && siteValue.ValueKind != JsonValueKind.Null)
        {
            var host = siteValue.ValueKind == JsonValueKind.String ? siteValue.GetString()!.Trim().ToLowerInvariant() : "";
            if (host.Length == 0 || Uri.CheckHostName(host) is UriHostNameType.Unknown or UriHostNameType.Basic)
            {
                errors["site"] = ["must be a host name such as www.example.com (no scheme, port or path); leave it out for every site"];
            }
            else
            {
                site = host;
            }
        }
        if (body.TryGetProperty("expires", out var expiresValue) && expiresValue.ValueKind != JsonValueKind.Null)
        {
            var given = expiresValue.ValueKind == JsonValueKind.String ? expiresValue.GetString()!.Trim() : "";
            if (TimeSpan.TryParseExact(given, "c", CultureInfo.InvariantCulture, out var span))
            {
                // Past the last representable time the sum throws: no expiry that far out is meant.
                if (span > DateTimeOffset.MaxValue - now)
                {
                    errors["expires"] = ["a duration that long is past the year 9999; leave expires out to keep the notice until deleted"];
                    return (text, site, null, errors);
                }
                expires = now + span;
            }
            else if (DateTimeOffset.TryParse(given, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
            {
                expires = at;
            }
            else
            {
                errors["expires"] = ["must be an ISO 8601 time (2026-11-24T18:00:00Z) or a duration from now (01:00:00)"];
            }
            if (expires <= now)
            {
                errors["expires"] = ["must be in the future"];
            }
        }
        return (text, site, expires, errors);
    }

    private static object NoticeJson(Status.Notice notice) => new
    {
        id = notice.Id,
        text = notice.Text,
        site = notice.Site,
        posted = notice.Posted,
        expires = notice.Expires,
    };

    [LoggerMessage(EventId = EventIds.NoticePosted, EventName = nameof(EventIds.NoticePosted), Level = LogLevel.Information,
        Message = "Notice {Id} posted for {Site} until {Expires}: {Text}")]
    private static partial void LogNoticePosted(ILogger logger, string id, string site, string expires, string text);

    [LoggerMessage(EventId = EventIds.NoticeRemoved, EventName = nameof(EventIds.NoticeRemoved), Level = LogLevel.Information,
        Message = "Notice {Id} deleted")]
    private static partial void LogNoticeRemoved(ILogger logger, string id);

    /// <summary>
    /// The body as a JSON object whose fields are all among <paramref name="fields"/>: an unknown or
    /// misspelt one is refused by name (<c>"sofft": true</c> must not become a hard purge).
    /// </summary>
    private static async Task<(JsonElement Body, IResult? Problem)> ReadBodyAsync(HttpContext context, int maxBytes, string[] fields)
    {
        var (body, problem) = await ReadJsonObjectAsync(context, maxBytes);
        if (problem is not null)
        {
            return (body, problem);
        }
        var unknown = new Dictionary<string, string[]>();
        foreach (var property in body.EnumerateObject())
        {
            if (!fields.Contains(property.Name, StringComparer.Ordinal))
            {
                var near = fields.FirstOrDefault(f => f.Equals(property.Name, StringComparison.OrdinalIgnoreCase))
                    ?? fields.FirstOrDefault(f => Hosting.CommandLine.IsNear(property.Name, f));
                unknown[property.Name] = [near is null ? $"unknown field; the fields are {string.Join(", ", fields)}" : $"unknown field; did you mean {near}?"];
            }
        }
        return unknown.Count > 0 ? (body, Results.ValidationProblem(unknown, title: "Unknown fields")) : (body, null);
    }

    private static async Task<(JsonElement Body, IResult? Problem)> ReadJsonObjectAsync(HttpContext context, int maxBytes)
    {
        if (context.Request.ContentLength > maxBytes)
        {
            return (default, Results.Problem(statusCode: 413, title: $"Body larger than {maxBytes} bytes"));
        }
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                return (default, Results.Problem(statusCode: 413, title: $"Body larger than {maxBytes} bytes"));
            }
            buffer.Write(chunk, 0, read);
        }
        // JSON parsing leaves strings undecoded: bytes that are not UTF-8 would only throw when a
        // field is read (a 500). The body is refused as a whole instead.
        if (!System.Text.Unicode.Utf8.IsValid(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)))
        {
            return (default, Results.ValidationProblem(new Dictionary<string, string[]> { ["body"] = ["is not valid UTF-8"] }));
        }
        try
        {
            using var document = JsonDocument.Parse(buffer.ToArray());
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return (default, Results.ValidationProblem(new Dictionary<string, string[]> { ["body"] = ["must be a JSON object"] }));
            }
            return (document.RootElement.Clone(), null);
        }
        catch (JsonException ex)
        {
            return (default, Results.ValidationProblem(new Dictionary<string, string[]> { ["body"] = [$"is not valid JSON: {ex.Message}"] }));
        }
    }

    private static bool TryHttpUrl(string value, out Uri url) =>
        Uri.TryCreate(value, UriKind.Absolute, out url!) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps);

    /// <summary>The entry as stored, without promoting it: memory first, then the persistent tier.</summary>
    private static async Task<(CacheEntry? Entry, string Tier)> FindAsync(TieredStore store, string key, CancellationToken cancellationToken) =>
        await store.PeekAsync(key, cancellationToken);
}
