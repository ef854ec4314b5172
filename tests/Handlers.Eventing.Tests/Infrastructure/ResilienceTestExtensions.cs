using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace Handlers.Eventing.Tests.Infrastructure;

/// <summary>Microsoft.Extensions.Http.Resilience set up the way the tests need it: retries with no delay, bodies read per attempt.</summary>
public static class ResilienceTestExtensions
{
    /// <summary>
    /// Adds a resilience handler with Microsoft.Extensions.Http.Resilience's retry (transient failures: <see cref="HttpRequestException"/>,
    /// 5xx, 408, 429) and no delay. The retry disposes the response of an attempt it retries before starting the next one.
    /// </summary>
    public static IHttpClientBuilder AddTestRetry(this IHttpClientBuilder builder, int maxRetryAttempts = 3)
    {
        builder.AddResilienceHandler("test-retry", pipeline => pipeline.AddRetry(NoDelayRetry(maxRetryAttempts)));
        return builder;
    }

    /// <summary>
    /// Adds a handler, inside the handlers registered before it, that reads each attempt's body within the attempt (as a handler
    /// that inspects bodies would), so that the body's events belong to that attempt and a failure mid-body is retried.
    /// </summary>
    public static IHttpClientBuilder AddBodyBuffering(this IHttpClientBuilder builder) =>
        builder.AddHttpMessageHandler(static () => new BufferingHandler());

    /// <summary>The retry options of <see cref="AddTestRetry"/>, for hand-built pipelines.</summary>
    public static HttpRetryStrategyOptions NoDelayRetry(int maxRetryAttempts = 3) => new()
    {
        MaxRetryAttempts = maxRetryAttempts,
        Delay = TimeSpan.Zero,
        BackoffType = DelayBackoffType.Constant,
        UseJitter = false,
    };
}
