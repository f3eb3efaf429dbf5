using EdgeCache.Caching;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace EdgeCache.AccessLog;

/// <summary>
/// The public listener's outermost step: every request it answers (hits answered before routing,
/// misses, refusals, the rate limit's 429, the status page, unknown sites) passes here, so each
/// gets exactly one access log line, written after its answer.
/// <code>
/// 1. Off → on, untouched: one options read, nothing allocated.
/// 2. On  → the response body counted, an <see cref="AccessLogRecord"/> for the steps that ask the origin.
/// 3. After the answer (or the exception the server turns into a 500): the line, queued.
/// </code>
/// </summary>
internal sealed class AccessLogMiddleware(RequestDelegate next, IOptionsMonitor<AccessLogOptions> options, AccessLogWriter writer, TimeProvider time)
{
    public Task InvokeAsync(HttpContext context)
    {
        // Step 1
        var current = options.CurrentValue;
        return current.Enabled ? LogAsync(context, current.IsJson) : next(context);
    }

    private async Task LogAsync(HttpContext context, bool json)
    {
        // Step 2
        var started = time.GetTimestamp();
        var startedAt = time.GetUtcNow();
        var server = context.Features.GetRequiredFeature<IHttpResponseBodyFeature>();
        var body = new CountingResponseBody(server);
        context.Features.Set<IHttpResponseBodyFeature>(body);
        var record = new AccessLogRecord();
        context.Features.Set(record);
        var failed = false;
        try
        {
            await next(context);
        }
        catch
        {
            failed = true;
            throw;
        }
        finally
        {
            // Step 3
            var line = Line(context, startedAt, time.GetElapsedTime(started), body.Bytes, record, failed);
            writer.Write(json ? AccessLogFormatter.Json(line) : AccessLogFormatter.Text(line));
            context.Features.Set(server); // as ResponseCompression does: the server's own again
        }
    }

    private static AccessLogLine Line(HttpContext context, DateTimeOffset startedAt, TimeSpan duration, long bytes, AccessLogRecord record, bool failed)
    {
        var request = context.Request;
        var response = context.Response;
        var (cache, detail) = AccessLogFormatter.Outcome(response.Headers[CacheStatus.HeaderName]);
        var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (string.IsNullOrEmpty(target))
        {
            target = request.Path.Value + request.QueryString.Value;
        }
        else if (target[0] != '/')
        {
            target = WithoutUserInfo(target);
        }
        // An exception before the answer started becomes the server's 500.
        var status = failed && !response.HasStarted ? StatusCodes.Status500InternalServerError : response.StatusCode;
        return new AccessLogLine(startedAt, context.Connection.RemoteIpAddress, request.Method, request.Host.Value ?? "", target, request.Protocol,
            status, bytes, request.Headers.Referer.ToString(), request.Headers.UserAgent.ToString(), cache, detail,
            record.OriginStatus, duration, record.OriginDuration);
    }

    /// <summary>
    /// An absolute-form target (<c>http://user:password@host/path</c>) without its user information:
    /// a password is a secret, and the server takes such a target as it is.
    /// </summary>
    internal static string WithoutUserInfo(string target)
    {
        var scheme = target.IndexOf("://", StringComparison.Ordinal);
        if (scheme < 0)
        {
            return target;
        }
        var authority = scheme + 3;
        var end = target.IndexOfAny(['/', '?', '#'], authority);
        if (end < 0)
        {
            end = target.Length;
        }
        var at = target.LastIndexOf('@', end - 1, end - authority);
        return at < 0 ? target : string.Concat(target.AsSpan(0, authority), target.AsSpan(at + 1));
    }
}
