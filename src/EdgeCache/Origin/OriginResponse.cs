using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;

namespace EdgeCache.Origin;

internal enum OriginOutcome
{
    /// <summary>A complete response, captured.</summary>
    Response,

    /// <summary>Larger than the maximum object size: abandoned, to be streamed through uncached.</summary>
    TooLarge,

    /// <summary>No usable response: refused, reset, timed out, no destination.</summary>
    Failed,
}

/// <summary>What a fetch through YARP produced.</summary>
internal sealed record OriginResponse(
    OriginOutcome Outcome,
    int StatusCode,
    IHeaderDictionary Headers,
    ReadOnlyMemory<byte> Body,
    DateTimeOffset RequestTime,
    DateTimeOffset ResponseTime,
    ForwarderError Error = ForwarderError.None,
    bool Busy = false)
{
    /// <summary>The failure kind for Cache-Status details and logs.</summary>
    public string FailureDetail => Busy ? "origin-busy" : Error switch
    {
        ForwarderError.RequestTimedOut => "origin-timeout",
        ForwarderError.NoAvailableDestinations or ForwarderError.Request => "origin-down",
        _ => "origin-error",
    };

    /// <summary>The status to answer with when nothing stored can stand in.</summary>
    public int FailureStatus => Busy ? StatusCodes.Status503ServiceUnavailable : Error switch
    {
        ForwarderError.None => StatusCode is StatusCodes.Status503ServiceUnavailable or StatusCodes.Status504GatewayTimeout ? StatusCode : StatusCodes.Status502BadGateway,
        ForwarderError.RequestTimedOut => StatusCodes.Status504GatewayTimeout,
        ForwarderError.NoAvailableDestinations => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status502BadGateway,
    };
}
