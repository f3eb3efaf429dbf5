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
internal sealed class OriginResponseTransformProvider : ITransformProvider
{
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
            foreach (var nominated in answer.Headers.Connection)
            {
                headers.Remove(nominated);
            }
        }
        return ValueTask.CompletedTask;
    });
}
