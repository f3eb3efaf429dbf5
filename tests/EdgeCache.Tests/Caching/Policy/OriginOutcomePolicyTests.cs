using EdgeCache.Caching.Policy;
using Yarp.ReverseProxy.Forwarder;

namespace EdgeCache.Tests.Caching.Policy;

public sealed class OriginOutcomePolicyTests
{
    private static readonly int[] FailureStatuses = [500, 502, 503, 504];

    public static TheoryData<string, string, int, bool, bool, bool, string, int, string, bool> Table() => new()
    {
        // case,                     error,                     status, tooLarge, busy,  revalidating, kind,          failure status, detail,           counts
        { "200",                     "None",                    200,    false,    false, false,        "Response",    0,   "",               false },
        { "404",                     "None",                    404,    false,    false, false,        "Response",    0,   "",               false },
        { "304 to a revalidation",   "None",                    304,    false,    false, true,         "NotModified", 0,   "",               false },
        { "304 unasked",             "None",                    304,    false,    false, false,        "Response",    0,   "",               false },
        { "500",                     "None",                    500,    false,    false, false,        "Failure",     502, "origin-error",   false },
        { "502",                     "None",                    502,    false,    false, false,        "Failure",     502, "origin-error",   true },
        { "503",                     "None",                    503,    false,    false, false,        "Failure",     503, "origin-error",   true },
        { "504",                     "None",                    504,    false,    false, false,        "Failure",     504, "origin-error",   true },
        { "refused",                 "Request",                 502,    false,    false, false,        "Failure",     502, "origin-down",    true },
        { "timed out",               "RequestTimedOut",         504,    false,    false, false,        "Failure",     504, "origin-timeout", true },
        { "reset mid-body",          "ResponseBodyDestination", 200,    false,    false, false,        "Failure",     502, "origin-error",   true },
        { "no destination",          "NoAvailableDestinations", 503,    false,    false, false,        "Failure",     503, "origin-down",    false },
        { "busy",                    "None",                    0,      false,    true,  false,        "Failure",     503, "origin-busy",    false },
        { "too large",               "ResponseBodyClient",      200,    true,     false, false,        "TooLarge",    0,   "",               false },
        { "too large 503",           "None",                    503,    true,     false, false,        "TooLarge",    0,   "",               true },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void Classify_Table(string name, string error, int status, bool tooLarge, bool busy, bool revalidating,
        string kind, int failureStatus, string detail, bool counts)
    {
        var answer = OriginOutcomePolicy.Classify(Enum.Parse<ForwarderError>(error), status, tooLarge, busy, revalidating, FailureStatuses);

        Assert.True((kind, failureStatus, detail, counts) == (answer.Kind.ToString(), answer.FailureStatus, answer.FailureDetail, answer.CountsAgainstHealth),
            $"{name}: {answer}");
    }
}
