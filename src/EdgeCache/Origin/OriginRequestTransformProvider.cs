using EdgeCache.Caching.Keys;
using EdgeCache.Rules;
using Microsoft.Extensions.DependencyInjection;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace EdgeCache.Origin;

/// <summary>
/// The last request transform of every route, so it applies to the cache's own fetches and to
/// requests forwarded untouched alike: what reaches the origin is what the cache keyed.
/// <code>
/// 1. Fields that commonly override routing or the method at origins are dropped, in every
///    spelling an origin may read them in (CGI servers read X_Original_URL as X-Original-URL),
///    unless the rule keys on them.
/// 2. The request target is the keyed one (<see cref="RequestTarget"/>), byte for byte. YARP would
///    rebuild it from the decoded path and escape every % again (%2F became %252F), and Uri would
///    normalise it further; here it is taken as written. A route that rewrites the path or the
///    query keeps YARP's own construction.
/// </code>
/// </summary>
internal sealed class OriginRequestTransformProvider : ITransformProvider
{
    /// <summary>Request fields that frameworks and origin servers take as the URL, host, scheme, port or method.</summary>
    internal static readonly string[] RoutingOverrideHeaders =
    [
        "X-Original-URL", "X-Rewrite-URL", "X-Host", "X-Original-Host", "X-Forwarded-Server", "X-Forwarded-Scheme",
        "X-Forwarded-Port", "X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override",
    ];

    private static readonly UriCreationOptions AsWritten = new() { DangerousDisablePathAndQueryCanonicalization = true };

    public void ValidateRoute(TransformRouteValidationContext context)
    {
    }

    public void ValidateCluster(TransformClusterValidationContext context)
    {
    }

    public void Apply(TransformBuilderContext context)
    {
        var rules = context.Services.GetRequiredService<RuleSetProvider>();
        context.AddRequestTransform(transform =>
        {
            var request = transform.HttpContext.Request;

            // Step 1: routing overrides.
            List<string>? dropped = null;
            CacheRule? rule = null;
            foreach (var header in transform.ProxyRequest.Headers)
            {
                if (IsRoutingOverride(header.Key))
                {
                    rule ??= transform.HttpContext.Features.Get<Caching.Pipeline.CacheRequestContext>()?.Rule
                        ?? transform.HttpContext.Features.Get<MatchedRule>()?.Rule
                        ?? rules.Current.Match(request.Host, request.Path.Value ?? "/");
                    if (!rule.KeyHeaders.Contains(header.Key, StringComparer.OrdinalIgnoreCase))
                    {
                        (dropped ??= []).Add(header.Key);
                    }
                }
            }
            foreach (var name in dropped ?? [])
            {
                transform.ProxyRequest.Headers.Remove(name);
            }

            // Step 2: the keyed target.
            if (transform.ProxyRequest.RequestUri is null && transform.Path == request.Path)
            {
                var query = transform.Query.QueryString; // the request's own unless a route transform changed it
                var prefix = transform.DestinationPrefix.AsSpan().TrimEnd('/');
                transform.ProxyRequest.RequestUri = new Uri(string.Concat(prefix, RequestTarget.Path(request), query.Value), AsWritten);
            }
            return ValueTask.CompletedTask;
        });
    }

    /// <summary>Whether a field name is one of <see cref="RoutingOverrideHeaders"/>, with <c>_</c> read as <c>-</c> and any letter case.</summary>
    internal static bool IsRoutingOverride(string name)
    {
        if (name.Length < 6 || (name[0] | 0x20) != 'x')
        {
            return false;
        }
        foreach (var known in RoutingOverrideHeaders)
        {
            if (known.Length != name.Length)
            {
                continue;
            }
            var same = true;
            for (var i = 0; i < name.Length && same; i++)
            {
                var c = name[i] == '_' ? '-' : name[i];
                same = char.ToLowerInvariant(c) == char.ToLowerInvariant(known[i]);
            }
            if (same)
            {
                return true;
            }
        }
        return false;
    }
}
