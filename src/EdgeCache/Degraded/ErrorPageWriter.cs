using System.Globalization;
using System.Text.Json;
using EdgeCache.Caching;
using EdgeCache.Status;
using EdgeCache.Templates;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace EdgeCache.Degraded;

/// <summary>
/// The friendly answer when the origin failed and nothing servable is stored: the right status,
/// <c>Retry-After</c>, <c>Cache-Control: no-store</c>, and a page: HTML from the templates for
/// browsers, RFC 9457 <c>application/problem+json</c> for clients that prefer JSON, text otherwise.
/// </summary>
internal sealed class ErrorPageWriter
{
    private readonly PageRenderer _renderer;
    private readonly IOptionsMonitor<DegradedOptions> _options;
    private readonly TimeProvider _time;
    private readonly NoticeBoard _notices;

    public ErrorPageWriter(PageRenderer renderer, IOptionsMonitor<DegradedOptions> options, TimeProvider time, NoticeBoard notices)
    {
        _renderer = renderer;
        _options = options;
        _time = time;
        _notices = notices;
    }

    public static string Message(int status) => status switch
    {
        StatusCodes.Status504GatewayTimeout => "The site's server is taking too long to respond. Please try again in a moment.",
        StatusCodes.Status503ServiceUnavailable => "The site is temporarily unavailable. We are on it; please try again in a moment.",
        StatusCodes.Status429TooManyRequests => "You are sending requests faster than this site allows. Please wait a moment and try again.",
        StatusCodes.Status500InternalServerError => "Something went wrong on the site's server. Please try again in a moment.",
        _ => "We could not reach the site's server just now. Please try again in a moment.",
    };

    public Task WriteAsync(HttpContext context, int status, string detail)
    {
        var options = _options.CurrentValue;
        var request = context.Request;
        var response = context.Response;
        var title = ReasonPhrases.GetReasonPhrase(status);
        var retryAfter = options.RetryAfterSeconds;

        response.StatusCode = status;
        response.Headers.CacheControl = "no-store";
        response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
        response.Headers.Append(CacheStatus.HeaderName, CacheStatus.Forward("miss", detail: detail));
        response.Headers.Vary = HeaderNames.Accept;

        switch (Negotiate(request.Headers.Accept))
        {
            case Format.Html:
                response.ContentType = "text/html; charset=utf-8";
                return WriteHtmlAsync(context, status, title, retryAfter, options.StatusPath, detail);

            case Format.Json:
                response.ContentType = "application/problem+json";
                var problem = JsonSerializer.Serialize(new Dictionary<string, object?>
                {
                    ["type"] = "about:blank",
                    ["title"] = title,
                    ["status"] = status,
                    ["detail"] = Message(status),
                    ["instance"] = SiteLink(request.Path),
                    ["requestId"] = context.TraceIdentifier,
                    ["retryAfter"] = retryAfter,
                    ["reason"] = detail,
                });
                return HttpMethods.IsHead(request.Method) ? Task.CompletedTask : response.WriteAsync(problem);

            default:
                response.ContentType = "text/plain; charset=utf-8";
                var text = $"{status} {title}\n{Message(status)}\nRequest ID: {context.TraceIdentifier}\n";
                return HttpMethods.IsHead(request.Method) ? Task.CompletedTask : response.WriteAsync(text);
        }
    }

    private async Task WriteHtmlAsync(HttpContext context, int status, string title, int retryAfter, string statusPath, string detail)
    {
        var request = context.Request;
        if (HttpMethods.IsHead(request.Method))
        {
            return;
        }
        var host = request.Host.Host.ToLowerInvariant();
        var model = new ErrorPageModel
        {
            Status = status,
            Title = title,
            Notices = _notices.Models(_notices.For([host])),
            Message = Message(status),
            Host = request.Host.Value ?? "",
            Path = SiteLink(request.Path),
            RequestId = context.TraceIdentifier,
            RetryAfter = retryAfter,
            StatusPageUrl = statusPath,
            Reason = detail,
            Time = _time.GetUtcNow().ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture),
        };
        var html = await _renderer.RenderPageAsync(host, [TemplateNames.Error(status), TemplateNames.DefaultError],
            model, BuiltInPages.Error);
        await context.Response.WriteAsync(html);
    }

    /// <summary>
    /// The request path as a link that stays on this site ("Try again"): leading slashes and
    /// backslashes collapse to one <c>/</c>, so <c>//evil.example/</c> or <c>/\evil.example</c> can
    /// never become a link to another host.
    /// </summary>
    internal static string SiteLink(PathString path)
    {
        var value = path.ToUriComponent();
        var start = 0;
        while (start < value.Length && value[start] is '/' or '\\')
        {
            start++;
        }
        var rest = value[start..];
        return rest.Contains('\\') ? "/" : "/" + rest;
    }

    internal enum Format
    {
        Html,
        Json,
        Text,
    }

    /// <summary>HTML when the client accepts it at least as much as JSON (browsers), JSON when it prefers JSON, text otherwise.</summary>
    internal static Format Negotiate(Microsoft.Extensions.Primitives.StringValues accept)
    {
        if (!MediaTypeHeaderValue.TryParseList(accept, out var types) || types.Count == 0)
        {
            return Format.Text;
        }
        double html = -1, json = -1;
        foreach (var type in types)
        {
            var quality = type.Quality ?? 1.0;
            var media = type.MediaType.Value ?? "";
            if (media.Equals("text/html", StringComparison.OrdinalIgnoreCase) || media.Equals("application/xhtml+xml", StringComparison.OrdinalIgnoreCase))
            {
                html = Math.Max(html, quality);
            }
            else if (media.Equals("application/json", StringComparison.OrdinalIgnoreCase) || media.Equals("application/problem+json", StringComparison.OrdinalIgnoreCase))
            {
                json = Math.Max(json, quality);
            }
        }
        if (html > 0 && html >= json)
        {
            return Format.Html;
        }
        return json > 0 ? Format.Json : Format.Text;
    }
}
