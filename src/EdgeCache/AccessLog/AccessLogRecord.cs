namespace EdgeCache.AccessLog;

/// <summary>
/// What the request path tells the access log that the response alone does not: the origin's
/// answer. An <c>HttpContext</c> feature, set only while the access log is on, so the steps that
/// ask the origin fill it in with one feature lookup and nothing at all is allocated when it is off.
/// </summary>
internal sealed class AccessLogRecord
{
    /// <summary>The status of the origin answer this response came from; null when no origin was asked.</summary>
    public int? OriginStatus { get; private set; }

    /// <summary>How long that origin request took (headers and body); null when no origin was asked.</summary>
    public TimeSpan? OriginDuration { get; private set; }

    /// <summary>
    /// The cache's fetch this answer came from (a coalesced reader's: the shared one). A fetch
    /// that never reached the origin (no slot under the cap, no destination) leaves both empty;
    /// one that got no answer (refused, timed out) has a duration and no status.
    /// </summary>
    public void Origin(Origin.OriginResponse origin)
    {
        if (origin.Busy || origin.Error == Yarp.ReverseProxy.Forwarder.ForwarderError.NoAvailableDestinations)
        {
            return;
        }
        Origin(origin.Outcome == EdgeCache.Origin.OriginOutcome.Failed ? null : origin.StatusCode, origin.ResponseTime - origin.RequestTime);
    }

    public void Origin(int? status, TimeSpan duration)
    {
        OriginStatus = status;
        OriginDuration = duration < TimeSpan.Zero ? TimeSpan.Zero : duration;
    }
}
