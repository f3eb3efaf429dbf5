using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;

namespace EdgeCache.Caching.Policy;

/// <summary>What an origin's answer means to the cache.</summary>
internal enum OriginAnswerKind
{
    /// <summary>A response to decide on (store it or pass it on).</summary>
    Response,

    /// <summary>304 to a revalidation: the stored copy is confirmed.</summary>
    NotModified,

    /// <summary>Larger than the largest object stored: streamed through instead.</summary>
    TooLarge,

    /// <summary>No usable answer: a stale copy may stand in, else the error page.</summary>
    Failure,
}

/// <param name="Kind">What the answer means.</param>
/// <param name="FailureStatus">For a failure: the status to answer with when nothing stored can stand in.</param>
/// <param name="FailureDetail">For a failure: the Cache-Status detail and log word.</param>
internal readonly record struct OriginAnswer(OriginAnswerKind Kind, int FailureStatus = 0, string FailureDetail = "");

/// <summary>
/// The one rule for "what did the origin's answer mean" to the cache, pure:
/// <code>
/// no slot under the origin cap                  → failure 503 origin-busy (not the origin's fault)
/// no destination available                      → failure 503 origin-down
/// timed out                                     → failure 504 origin-timeout
/// refused, reset                                → failure 502 origin-down
/// other transport error                         → failure 502 origin-error
/// too large                                     → too large
/// a status among FailureStatuses                → failure with that status if 503/504, else 502; origin-error
/// 304 to a revalidation                         → not modified
/// anything else                                 → response
/// </code>
/// What counts against the origin's health is not decided here: only failures without an answer
/// do (<see cref="Origin.OriginFailuresHealthPolicy"/>); a status is one URL's failure.
/// </summary>
internal static class OriginOutcomePolicy
{
    public static OriginAnswer Classify(ForwarderError error, int status, bool tooLarge, bool busy, bool revalidating, IReadOnlyCollection<int> failureStatuses)
    {
        if (busy)
        {
            return new OriginAnswer(OriginAnswerKind.Failure, StatusCodes.Status503ServiceUnavailable, "origin-busy");
        }
        if (tooLarge)
        {
            return new OriginAnswer(OriginAnswerKind.TooLarge);
        }
        switch (error)
        {
            case ForwarderError.None:
                break;
            case ForwarderError.NoAvailableDestinations:
                return new OriginAnswer(OriginAnswerKind.Failure, StatusCodes.Status503ServiceUnavailable, "origin-down");
            case ForwarderError.RequestTimedOut:
                return new OriginAnswer(OriginAnswerKind.Failure, StatusCodes.Status504GatewayTimeout, "origin-timeout");
            case ForwarderError.Request:
                return new OriginAnswer(OriginAnswerKind.Failure, StatusCodes.Status502BadGateway, "origin-down");
            default:
                return new OriginAnswer(OriginAnswerKind.Failure, StatusCodes.Status502BadGateway, "origin-error");
        }
        if (failureStatuses.Contains(status))
        {
            var answerWith = status is StatusCodes.Status503ServiceUnavailable or StatusCodes.Status504GatewayTimeout ? status : StatusCodes.Status502BadGateway;
            return new OriginAnswer(OriginAnswerKind.Failure, answerWith, "origin-error");
        }
        return status == StatusCodes.Status304NotModified && revalidating
            ? new OriginAnswer(OriginAnswerKind.NotModified)
            : new OriginAnswer(OriginAnswerKind.Response);
    }
}
