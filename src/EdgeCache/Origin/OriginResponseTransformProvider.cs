using EdgeCache.Caching;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace EdgeCache.Origin;

/// <summary>
/// The response transform of every route, so it applies to the cache's own fetches (what is
/// stored) and to answers forwarded untouched alike: the fields an origin nominates in
/// <c>Connection</c> (RFC 9110 7.6.1) describe that one connection and are dropped, as YARP
/// already drops <c>Connection</c> itself and the fixed hop-by-hop fields. Stored, they would be
/// replayed to every reader on every hit.
/// </summary>
internal sealed class OriginResponseTransformProvider(IOptionsMonitor<CacheOptions> options) : ITransformProvider
{
    /// <summary>
    /// Fields meant for every recipient that keep an answer from being stored or shared: RFC 9110
    /// 7.6.1 forbids nominating them ("Cache-Control is never appropriate as a connection option"),
    /// and a broken or hostile origin that does anyway must not turn <c>Cache-Control: private</c>,
    /// <c>Vary: Cookie</c> or <c>Set-Cookie</c> into a shared copy by having them dropped. They are
    /// kept (so are the targeted fields of <see cref="CacheOptions.TargetedFields"/>).
    /// </summary>
    private static readonly HashSet<string> NeverDropped = new(StringComparer.OrdinalIgnoreCase)
    {
        HeaderNames.CacheControl, HeaderNames.Pragma, HeaderNames.Expires, HeaderNames.Vary, HeaderNames.Age,
        HeaderNames.SetCookie, "Set-Cookie2",
    };

    public void ValidateRoute(TransformRouteValidationContext context)
    {
    }

    public void ValidateCluster(TransformClusterValidationContext context)
    {
    }

    public void Apply(TransformBuilderContext context) => context.AddResponseTransform(transform =>
    {
        if (transform.ProxyResponse is { } answer && answer.Headers.Connection.Count > 0)
        {
            var headers = transform.HttpContext.Response.Headers;
            var targeted = options.CurrentValue.TargetList;
            foreach (var nominated in answer.Headers.Connection)
            {
                if (!NeverDropped.Contains(nominated) && !targeted.Contains(nominated, StringComparer.OrdinalIgnoreCase))
                {
                    headers.Remove(nominated);
                }
            }
        }
        return ValueTask.CompletedTask;
    });
}
