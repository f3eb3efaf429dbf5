using System.Net;
using EdgeCache.Tests.Infrastructure;
using Microsoft.Net.Http.Headers;

namespace EdgeCache.Tests.Integration;

/// <summary>RFC 9110 13.1.3 and 5.6.7 through EdgeCache: If-Modified-Since against a stored Date; dates in old forms and any case.</summary>
public sealed class ConditionalAndDateTests : IAsyncLifetime
{
    private readonly HostClock _clock = new();
    private TestOrigin _origin = null!;

    public async Task InitializeAsync()
    {
        _origin = await TestOrigin.StartAsync();
        _origin.Clock = _clock;
    }

    public async Task DisposeAsync() => await _origin.DisposeAsync();

    [Fact]
    public async Task IfModifiedSince_StoredResponseWithoutLastModified_304FromItsDate()
    {
        _origin.RespondWith("page", ("Cache-Control", "max-age=600")); // Date, no Last-Modified, no ETag
        await using var proxy = await TestProxy.StartAsync(_origin.Address, clock: _clock);
        using var first = await proxy.Client.GetAsync("/no-validators");

        using var conditional = new HttpRequestMessage(HttpMethod.Get, "/no-validators");
        conditional.Headers.TryAddWithoutValidation("If-Modified-Since", first.Headers.GetValues("Date").First());
        using var second = await proxy.Client.SendAsync(conditional);
        using var older = new HttpRequestMessage(HttpMethod.Get, "/no-validators");
        older.Headers.TryAddWithoutValidation("If-Modified-Since", HeaderUtilities.FormatDate(_clock.GetUtcNow().AddHours(-1)));
        using var third = await proxy.Client.SendAsync(older);

        Assert.Equal(HttpStatusCode.NotModified, second.StatusCode);
        Assert.Empty(await second.Content.ReadAsByteArrayAsync());
        Assert.Equal(HttpStatusCode.OK, third.StatusCode); // modified since an hour before it was current
        Assert.Equal("page", await third.Content.ReadAsStringAsync());
        Assert.Equal(1, _origin.CountFor("/no-validators"));
    }

    [Theory]
    [InlineData("r")]
    [InlineData("rfc850-lower")]
    [InlineData("asctime")]
    public async Task Expires_InEveryForm_MakesTheAnswerFreshForItsTime(string form)
    {
        var expires = _clock.GetUtcNow().AddMinutes(10).UtcDateTime;
        var value = form switch
        {
            "r" => expires.ToString("r"),
            "rfc850-lower" => expires.ToString("dddd, dd-MMM-yy HH:mm:ss 'GMT'", System.Globalization.CultureInfo.InvariantCulture).ToLowerInvariant(),
            _ => expires.ToString("ddd MMM d HH:mm:ss yyyy", System.Globalization.CultureInfo.InvariantCulture),
        };
        _origin.RespondWith("page", ("Expires", value));
        await using var proxy = await TestProxy.StartAsync(_origin.Address, clock: _clock);

        await proxy.Client.GetAsync("/expires");
        _clock.Advance(TimeSpan.FromMinutes(9));
        using var hit = await proxy.Client.GetAsync("/expires");

        Assert.StartsWith("EdgeCache; hit", string.Join(", ", hit.Headers.GetValues("Cache-Status")));
        Assert.Equal(1, _origin.CountFor("/expires"));
    }
}
