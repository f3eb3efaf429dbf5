using EdgeCache.Diagnostics;
using EdgeCache.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EdgeCache.Tests.Integration;

/// <summary>A client's malformed request body is the client's error: a 400, one log line, and no evidence against the origin.</summary>
public sealed class ClientBodyErrorTests : IAsyncLifetime
{
    private readonly LogCapture _log = new();
    private TestOrigin _origin = null!;

    public async Task InitializeAsync()
    {
        _origin = await TestOrigin.StartAsync();
        _origin.Respond(async context =>
        {
            // Reads the body as an origin accepting a form would.
            await context.Request.Body.CopyToAsync(Stream.Null);
            await context.Response.WriteAsync("accepted");
        });
    }

    public async Task DisposeAsync() => await _origin.DisposeAsync();

    [Fact]
    public async Task Post_MalformedChunkedBody_400OneLogLineOriginStaysUp()
    {
        await using var proxy = await TestProxy.StartAsync(_origin.Address, services: collection => collection.AddSingleton<ILoggerProvider>(_log),
            extraArgs: "--Logging:LogLevel:Default=Information");

        var answers = new List<RawHttp.Response>();
        for (var i = 0; i < 3; i++) // three in a row would mark the origin down, were they counted against it
        {
            answers.Add(await RawHttp.SendAsync(proxy.Client.BaseAddress!,
                $"POST /form HTTP/1.1\r\nHost: {TestProxy.PublicHost}\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"[..^2]));
        }
        var after = await proxy.Client.PostAsync("/form", new StringContent("fine"));

        Assert.All(answers, answer => Assert.Equal(400, answer.Status));
        Assert.Equal(System.Net.HttpStatusCode.OK, after.StatusCode);
        Assert.Equal("accepted", await after.Content.ReadAsStringAsync());
        Assert.Equal(3, _log.Messages(EventIds.ClientBodyMalformed).Count);
        Assert.DoesNotContain(_log.Entries, e => e.Exception is not null);
        Assert.Empty(_log.Messages(EventIds.OriginDown));
    }
}
