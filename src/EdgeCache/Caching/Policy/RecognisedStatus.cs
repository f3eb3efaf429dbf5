namespace EdgeCache.Caching.Policy;

/// <summary>
/// The status codes whose caching rules EdgeCache understands: those RFC 9110 section 15 defines
/// (306 and 418 are reserved there, "(Unused)", so not among them). The one list that
/// "recognised" means, for RFC 9111 3 (an unrecognised status is stored only with explicit
/// freshness) and 5.2.2.3 (<c>must-understand</c>).
/// </summary>
internal static class RecognisedStatus
{
    private static readonly HashSet<int> Defined =
    [
        100, 101,
        200, 201, 202, 203, 204, 205, 206,
        300, 301, 302, 303, 304, 305, 307, 308,
        400, 401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 415, 416, 417, 421, 422, 426,
        500, 501, 502, 503, 504, 505,
    ];

    public static bool IsRecognised(int statusCode) => Defined.Contains(statusCode);
}
