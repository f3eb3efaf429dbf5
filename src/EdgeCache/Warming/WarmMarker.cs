using Microsoft.AspNetCore.Http;

namespace EdgeCache.Warming;

/// <summary>
/// Marks this node's own warming requests (sent through its public listener so they are cached
/// exactly like a reader's), with a per-process secret a client cannot guess, so the cache treats
/// them as background work.
/// </summary>
internal sealed class WarmMarker
{
    public const string HeaderName = "X-EdgeCache-Warm";

    public string Value { get; } = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));

    public bool IsWarming(HttpRequest request) =>
        request.Headers.TryGetValue(HeaderName, out var value) && value.Count == 1 && value[0] == Value;
}
