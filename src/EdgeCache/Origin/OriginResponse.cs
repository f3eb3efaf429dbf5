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
    /// <summary>
    /// The origin produced an HTTP answer of its own (status, headers and body are here), even if
    /// it is an error; false when there is none (refused, reset, timed out, no destination, busy).
    /// Such an answer is the reader's own: it may carry their page or their cookie.
    /// </summary>
    public bool OriginAnswered => Outcome == OriginOutcome.Response;

    /// <summary>What the answer means to the cache (<see cref="Caching.Policy.OriginOutcomePolicy"/>).</summary>
    public Caching.Policy.OriginAnswer Answer { get; init; }

    /// <summary>A backup origin answered (every primary was down).</summary>
    public bool FromBackup { get; init; }

    /// <summary>The destination that answered, if one was asked (for the reader's session affinity).</summary>
    public Yarp.ReverseProxy.Model.DestinationState? Destination { get; init; }

    /// <summary>For <see cref="OriginOutcome.TooLarge"/>: the origin's response, held for the fetch's own reader.</summary>
    public PassThrough? PassThrough { get; init; }
}
