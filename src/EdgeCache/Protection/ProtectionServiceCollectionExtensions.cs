using System.Threading.RateLimiting;
using EdgeCache.Degraded;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeCache.Protection;

internal static class ProtectionServiceCollectionExtensions
{
    /// <summary>The origin's concurrency cap and, when configured, the per-client rate limit (a friendly 429).</summary>
    public static IServiceCollection AddOriginProtection(this IServiceCollection services, IConfiguration configuration, out bool clientRateLimit)
    {
        services.Configure<OriginProtectionOptions>(configuration.GetSection(OriginProtectionOptions.Section));
        services.AddSingleton<OriginLimiter>();
        var protection = configuration.GetSection(OriginProtectionOptions.Section).Get<OriginProtectionOptions>() ?? new OriginProtectionOptions();
        clientRateLimit = protection.ClientRequestsPerSecond > 0;
        if (clientRateLimit)
        {
            services.AddRateLimiter(limiter =>
            {
                limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
                    RateLimitPartition.GetTokenBucketLimiter(context.Connection.RemoteIpAddress?.ToString() ?? "", _ => new TokenBucketRateLimiterOptions
                    {
                        TokenLimit = protection.ClientBurst + protection.ClientRequestsPerSecond,
                        TokensPerPeriod = protection.ClientRequestsPerSecond,
                        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                        QueueLimit = 0,
                    }));
                limiter.OnRejected = (context, _) => new ValueTask(context.HttpContext.RequestServices.GetRequiredService<ErrorPageWriter>()
                    .WriteAsync(context.HttpContext, StatusCodes.Status429TooManyRequests, "rate-limited"));
            });
        }
        return services;
    }
}
