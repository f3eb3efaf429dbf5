using EdgeCache.Caching.Keys;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace EdgeCache.Origin;

/// <summary>
/// Sends the origin the request target the cache keyed (<see cref="RequestTarget"/>), byte for
/// byte. YARP would rebuild it from the decoded path and escape every <c>%</c> again (<c>%2F</c>
/// became <c>%252F</c>), and <see cref="Uri"/> would normalise it further; here the URI is taken
/// as written. Runs after the route's own transforms: a route that rewrites the path or the query
/// keeps YARP's own construction.
/// </summary>
internal sealed class RequestTargetTransformProvider : ITransformProvider
{
    private static readonly UriCreationOptions AsWritten = new() { DangerousDisablePathAndQueryCanonicalization = true };

    public void ValidateRoute(TransformRouteValidationContext context)
    {
    }

    public void ValidateCluster(TransformClusterValidationContext context)
    {
    }

    public void Apply(TransformBuilderContext context) => context.AddRequestTransform(transform =>
    {
        var request = transform.HttpContext.Request;
        if (transform.ProxyRequest.RequestUri is null && transform.Path == request.Path)
        {
            var query = transform.Query.QueryString; // the request's own unless a route transform changed it
            var prefix = transform.DestinationPrefix.AsSpan().TrimEnd('/');
            transform.ProxyRequest.RequestUri = new Uri(string.Concat(prefix, RequestTarget.Path(request), query.Value), AsWritten);
        }
        return ValueTask.CompletedTask;
    });
}
