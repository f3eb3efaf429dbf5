using System.Net;
using EdgeCache.Origin;
using EdgeCache.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace EdgeCache.Tests.Integration;

/// <summary>A live origin is never declared down by its probe path's answer: only evidence that it cannot answer counts.</summary>
public sealed class OriginHealthTests : IAsyncLifetime
{
    private TestOrigin _origin = null!;

    public async Task InitializeAsync()
    {
        _origin = await TestOrigin.StartAsync();
        _origin.RespondWith("page", ("Cache-Control", "public, max-age=60"));
    }

    public async Task DisposeAsync() => await _origin.DisposeAsync();

    private Task<TestProxy> StartFastProbes() => TestProxy.StartAsync(_origin.Address, extraArgs:
        ["--EdgeCache:HealthInterval=00:00:00.100", "--EdgeCache:HealthTimeout=00:00:00.500"]);

    [Theory]
    [InlineData(301)]
    [InlineData(401)]
    [InlineData(404)]
    public async Task ProbePathAnswersBelow500_OriginStaysUp(int status)
    {
        _origin.RespondToProbes(context =>
        {
            context.Response.StatusCode = status;
            if (status == 301)
            {
                context.Response.Headers.Location = "/en/";
            }
            return Task.CompletedTask;
        });
        await using var proxy = await StartFastProbes();

        await Eventually(() => _origin.ProbeCount >= 5, "five probes");
        for (var i = 0; i < 5; i++)
        {
            using var response = await proxy.Client.GetAsync($"/uncached-{i}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("page", await response.Content.ReadAsStringAsync());
            Assert.DoesNotContain("origin-down", CacheStatus(response));
        }
        Assert.False(proxy.Get<OriginHealth>().IsDegraded("origin"));
    }

    [Fact]
    public async Task ProbePathAnswers503_OriginDown()
    {
        _origin.RespondToProbes(context =>
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return Task.CompletedTask;
        });
        await using var proxy = await StartFastProbes();

        await Eventually(() => proxy.Get<OriginHealth>().IsDegraded("origin"), "the origin declared down", 10);
    }

    [Fact]
    public async Task SlowButWorkingOrigin_DefaultProbeTimeout_StaysUp()
    {
        // Slow is not dead: probes answered in 3 s are within the default 5 s probe timeout.
        _origin.RespondToProbes(async context =>
        {
            await Task.Delay(3000);
            await context.Response.WriteAsync("ok");
        });
        await using var proxy = await TestProxy.StartAsync(_origin.Address, extraArgs: "--EdgeCache:HealthInterval=00:00:00.100");

        await Eventually(() => _origin.ProbeCount >= 4, "three probes answered");
        var response = await proxy.Client.GetAsync("/uncached");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(proxy.Get<OriginHealth>().IsDegraded("origin"));
    }
}
