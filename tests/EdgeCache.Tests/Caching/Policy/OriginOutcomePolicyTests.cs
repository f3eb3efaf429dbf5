using EdgeCache.Caching.Policy;
using Yarp.ReverseProxy.Forwarder;

namespace EdgeCache.Tests.Caching.Policy;

public sealed class OriginOutcomePolicyTests
{
    private static readonly int[] FailureStatuses = [500, 502, 503, 504];

    public static TheoryData<string, string, int, bool, bool, bool, string, int, string> Table() => new()
    {
        // case,                     error,                     status, tooLarge, busy,  revalidating, kind,          failure status, detail
        { "200",                     "None",                    200,    false,    false, false,        "Response",    0,   "" },
        { "404",                     "None",                    404,    false,    false, false,        "Response",    0,   "" },
        { "304 to a revalidation",   "None",                    304,    false,    false, true,         "NotModified", 0,   "" },
        { "304 unasked",             "None",                    304,    false,    false, false,        "Response",    0,   "" },
        { "500",                     "None",                    500,    false,    false, false,        "Failure",     502, "origin-error" },
        { "502",                     "None",                    502,    false,    false, false,        "Failure",     502, "origin-error" },
        { "503",                     "None",                    503,    false,    false, false,        "Failure",     503, "origin-error" },
        { "504",                     "None",                    504,    false,    false, false,        "Failure",     504, "origin-error" },
        { "refused",                 "Request",                 502,    false,    false, false,        "Failure",     502, "origin-down" },
        { "timed out",               "RequestTimedOut",         504,    false,    false, false,        "Failure",     504, "origin-timeout" },
        { "reset mid-body",          "ResponseBodyDestination", 200,    false,    false, false,        "Failure",     502, "origin-error" },
        { "no destination",          "NoAvailableDestinations", 503,    false,    false, false,        "Failure",     503, "origin-down" },
        { "busy",                    "None",                    0,      false,    true,  false,        "Failure",     503, "origin-busy" },
        { "too large",               "ResponseBodyClient",      200,    true,     false, false,        "TooLarge",    0,   "" },
        { "too large 503",           "None",                    503,    true,     false, false,        "TooLarge",    0,   "" },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void Classify_Table(string name, string error, int status, bool tooLarge, bool busy, bool revalidating,
        string kind, int failureStatus, string detail)
    {
        var answer = OriginOutcomePolicy.Classify(Enum.Parse<ForwarderError>(error), status, tooLarge, busy, revalidating, FailureStatuses);

        Assert.True((kind, failureStatus, detail) == (answer.Kind.ToString(), answer.FailureStatus, answer.FailureDetail),
            $"{name}: {answer}");
    }
}
