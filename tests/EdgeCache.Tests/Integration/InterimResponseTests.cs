using System.Text;
using EdgeCache.Tests.Infrastructure;

namespace EdgeCache.Tests.Integration;

/// <summary>
/// Interim (1xx) answers from an origin: the server stack cannot pass them on (HttpClient drops
/// 1xx before the final answer, ASP.NET Core has no API to send one: dotnet/aspnetcore#27851), so
/// EdgeCache must at least take the final answer intact and store nothing of the interim ones.
/// </summary>
public sealed class InterimResponseTests
{
    [Theory]
    [InlineData("HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload; as=style\r\n\r\n")]
    [InlineData("HTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </app.js>; rel=preload\r\n\r\n")]
    public async Task InterimAnswersBeforeTheFinalOne_FinalStoredAndServedWithoutTheirFields(string interim)
    {
        await using var origin = new RawOrigin(Encoding.ASCII.GetBytes(interim
            + "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nCache-Control: max-age=300\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello"));
        await using var proxy = await TestProxy.StartAsync(origin.Address);

        using var miss = await proxy.Client.GetAsync("/hinted");
        using var hit = await proxy.Client.GetAsync("/hinted");

        foreach (var response in new[] { miss, hit })
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("hello", await response.Content.ReadAsStringAsync());
            Assert.False(response.Headers.Contains("Link"), "an interim answer's field was kept");
        }
        Assert.StartsWith("EdgeCache; hit", string.Join(", ", hit.Headers.GetValues("Cache-Status")));
        Assert.Equal(1, origin.RequestCount);
    }
}
