using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;

namespace EdgeCache.Origin;

/// <summary>
/// A response too large to store, held mid-body at the origin (<see cref="CaptureStream"/>), for
/// the one reader whose request fetched it: that reader gets the rest of the same origin response
/// instead of asking the origin again. Exactly one of <see cref="TryClaim"/> (then
/// <see cref="StreamToAsync"/>) or <see cref="Abandon"/> decides; the origin request (and its slot
/// under the origin cap) lasts until <see cref="Completion"/>.
/// </summary>
internal sealed class PassThrough
{
    private readonly CaptureStream _capture;
    private int _claimed;

    public PassThrough(CaptureStream capture, int statusCode, IHeaderDictionary headers, Task<ForwarderError> completion)
    {
        _capture = capture;
        StatusCode = statusCode;
        Headers = headers;
        Completion = completion;
    }

    /// <summary>The origin's status, as received.</summary>
    public int StatusCode { get; }

    /// <summary>The origin's response headers, after the route's transforms.</summary>
    public IHeaderDictionary Headers { get; }

    /// <summary>The origin request's end: <see cref="ForwarderError.None"/> when the whole body went through.</summary>
    public Task<ForwarderError> Completion { get; }

    /// <summary>Takes the response for one reader; false when it was taken or abandoned already.</summary>
    public bool TryClaim() => Interlocked.CompareExchange(ref _claimed, 1, 0) == 0;

    /// <summary>After <see cref="TryClaim"/>, once the reader's status and headers are set: the body, captured prefix first.</summary>
    public async Task<ForwarderError> StreamToAsync(HttpContext reader)
    {
        if (HttpMethods.IsHead(reader.Request.Method))
        {
            _capture.Abandon(); // the headers are the whole answer
        }
        else
        {
            _capture.StreamTo(reader.Response.Body, reader.RequestAborted);
        }
        return await Completion;
    }

    /// <summary>After <see cref="TryClaim"/>, when the reader cannot be answered after all: the origin request ends.</summary>
    public void End() => _capture.Abandon();

    /// <summary>Nobody takes it (the reader went away, or needs a different request): the origin request ends.</summary>
    public void Abandon()
    {
        if (TryClaim())
        {
            _capture.Abandon();
        }
    }
}
