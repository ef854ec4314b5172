using Polly;
using Polly.Retry;

namespace Handlers.Eventing.Tests.Infrastructure;

/// <summary>
/// A retry handler built on Polly v8 (Polly.Core), as Microsoft.Extensions.Http.Resilience would add it: retries on
/// <see cref="HttpRequestException"/> and on status &gt;= 500, with no delay. Polly disposes the response of an attempt it
/// retries before starting the next one.
/// </summary>
public sealed class PollyRetryHandler : DelegatingHandler
{
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;
    private readonly bool _bufferContent;

    /// <param name="maxRetryAttempts">Retries after the first attempt.</param>
    /// <param name="bufferContent">
    /// Reads each attempt's body inside the attempt (as a handler that inspects bodies would), so that the body's events
    /// belong to that attempt and a failure mid-body is retried.
    /// </param>
    public PollyRetryHandler(int maxRetryAttempts = 3, bool bufferContent = false)
    {
        _bufferContent = bufferContent;
        _pipeline = new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = maxRetryAttempts,
                Delay = TimeSpan.Zero,
                BackoffType = DelayBackoffType.Constant,
                UseJitter = false,
                ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                    .Handle<HttpRequestException>()
                    .HandleResult(static response => (int)response.StatusCode >= 500),
            })
            .Build();
    }

    public PollyRetryHandler(HttpMessageHandler innerHandler, int maxRetryAttempts = 3)
        : this(maxRetryAttempts)
    {
        InnerHandler = innerHandler;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        await _pipeline.ExecuteAsync(
            static async (state, token) => await state.Handler.SendCoreAsync(state.Request, token),
            (Handler: this, Request: request),
            cancellationToken);

    private async Task<HttpResponseMessage> SendCoreAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        if (_bufferContent)
        {
            try
            {
                await response.Content.LoadIntoBufferAsync(cancellationToken);
            }
            catch
            {
                response.Dispose();
                throw;
            }
        }

        return response;
    }
}
