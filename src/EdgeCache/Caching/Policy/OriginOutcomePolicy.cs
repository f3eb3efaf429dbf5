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
/// <param name="CountsAgainstHealth">Whether it is evidence that the origin as a whole is failing (passive health).</param>
internal readonly record struct OriginAnswer(OriginAnswerKind Kind, int FailureStatus = 0, string FailureDetail = "", bool CountsAgainstHealth = false);

/// <summary>
/// The one rule for "what did the origin's answer mean", pure:
/// <code>
/// no slot under the origin cap                  → failure 503 origin-busy (not the origin's fault)
/// no destination available                      → failure 503 origin-down
/// timed out                                     → failure 504 origin-timeout, counts against health
/// refused, reset, other transport error         → failure 502 origin-down / origin-error, counts against health
/// too large                                     → too large (a 502/503/504 status still counts against health)
/// a status among FailureStatuses                → failure with that status if 503/504, else 502; origin-error;
///                                                 only 502, 503 and 504 count against health (a 500 is one broken page)
/// 304 to a revalidation                         → not modified
/// anything else                                 → response
/// </code>
/// </summary>
internal static class OriginOutcomePolicy
{
    public static OriginAnswer Classify(ForwarderError error, int status, bool tooLarge, bool busy, bool revalidating, IReadOnlyCollection<int> failureStatuses)
    {
        if (busy)
        {
            return new OriginAnswer(OriginAnswerKind.Failure, StatusCodes.Status503ServiceUnavailable, "origin-busy");
        }
        var originLevelStatus = status is StatusCodes.Status502BadGateway or StatusCodes.Status503ServiceUnavailable or StatusCodes.Status504GatewayTimeout
            && failureStatuses.Contains(status);
        if (tooLarge)
        {
            return new OriginAnswer(OriginAnswerKind.TooLarge, CountsAgainstHealth: originLevelStatus);
        }
        switch (error)
        {
            case ForwarderError.None:
                break;
            case ForwarderError.NoAvailableDestinations:
                return new OriginAnswer(OriginAnswerKind.Failure, StatusCodes.Status503ServiceUnavailable, "origin-down");
            case ForwarderError.RequestTimedOut:
                return new OriginAnswer(OriginAnswerKind.Failure, StatusCodes.Status504GatewayTimeout, "origin-timeout", CountsAgainstHealth: true);
            case ForwarderError.Request:
                return new OriginAnswer(OriginAnswerKind.Failure, StatusCodes.Status502BadGateway, "origin-down", CountsAgainstHealth: true);
            default:
                return new OriginAnswer(OriginAnswerKind.Failure, StatusCodes.Status502BadGateway, "origin-error", CountsAgainstHealth: true);
        }
        if (failureStatuses.Contains(status))
        {
            var answerWith = status is StatusCodes.Status503ServiceUnavailable or StatusCodes.Status504GatewayTimeout ? status : StatusCodes.Status502BadGateway;
            return new OriginAnswer(OriginAnswerKind.Failure, answerWith, "origin-error", originLevelStatus);
        }
        return status == StatusCodes.Status304NotModified && revalidating
            ? new OriginAnswer(OriginAnswerKind.NotModified)
            : new OriginAnswer(OriginAnswerKind.Response);
    }
}
