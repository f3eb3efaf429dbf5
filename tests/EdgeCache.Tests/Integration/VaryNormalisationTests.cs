using EdgeCache.Tests.Infrastructure;

namespace EdgeCache.Tests.Integration;

/// <summary>Browsers asking for the same languages in different spellings share one stored variant.</summary>
public sealed class VaryNormalisationTests
{
    [Fact]
    public async Task AcceptLanguageSpelledDifferently_OneOriginRequest_DifferentPreferenceAnother()
    {
        await using var origin = await TestOrigin.StartAsync();
        origin.Respond(context =>
        {
            context.Response.Headers.Vary = "Accept-Language";
            return origin.Answer(context, "for " + context.Request.Headers.AcceptLanguage, ("Cache-Control", "public, max-age=600"));
        });
        await using var proxy = await TestProxy.StartAsync(origin.Address);
        async Task<(string Body, string Status)> Get(string acceptLanguage)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/home");
            request.Headers.TryAddWithoutValidation("Accept-Language", acceptLanguage);
            using var response = await proxy.Client.SendAsync(request);
            return (await response.Content.ReadAsStringAsync(), string.Join(", ", response.Headers.GetValues("Cache-Status")));
        }

        var chrome = await Get("en-US,en;q=0.9");
        var firefox = await Get("en-us, en;q=0.9");
        var other = await Get("en;q=0.9, en-US;q=1.0");
        var french = await Get("fr-FR,fr;q=0.9");

        Assert.StartsWith("for en-US", chrome.Body);
        Assert.Equal(chrome.Body, firefox.Body);
        Assert.StartsWith("EdgeCache; hit", firefox.Status);
        Assert.StartsWith("EdgeCache; hit", other.Status);
        Assert.StartsWith("for fr-FR", french.Body);
        Assert.Equal(2, origin.CountFor("/home"));
    }
}
