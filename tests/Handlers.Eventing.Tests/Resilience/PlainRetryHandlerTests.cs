using System.Net;
using Handlers.Eventing.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Handlers.Eventing.Tests.Resilience;

/// <summary>No Polly needed: a plain hand-written retry handler shows as attempts too, with retry raised as each attempt starts.</summary>
public sealed class PlainRetryHandlerTests
{
    [Fact]
    public async Task PlainRetryHandler_NoPolly_RetryRaisedAsTheAttemptStartsWithoutDelay()
    {
        var server = await LoopbackServer.Shared;
        var key = LoopbackServer.NewKey();
        var services = new ServiceCollection();
        services.AddHttpClient("plain").AddHttpMessageHandler(() => new RetryHandler()).AddEventing();
        using var provider = services.BuildServiceProvider();
        using var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("plain");
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url($"resilience/steps/{key}?s=500,reset,200&n=700"));
        var recorder = new EventRecorder(HttpCall.For(request));
        var retries = ResilienceClients.Retries(recorder.Call);

        using var response = await client.SendAsync(request).WithTimeout();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(
            "httpHeaders:500,retry:2,httpError,retry:3,httpHeaders:200,httpDownloadProgress*,httpData*,httpDone,success,complete:True",
            recorder.Compact());
        Assert.Equal(
            [(2, HttpAttemptKind.Retry, HttpStatusCode.InternalServerError, null), (3, HttpAttemptKind.Retry, null, typeof(HttpRequestException))],
            ResilienceClients.Shape(retries));
        Assert.All(retries, r => Assert.Null(r.Delay));
        Assert.Equal(2, recorder.Call.Response.RetryCount);
    }

    /// <summary>Retries 5xx and transport errors, up to three attempts, with no Polly at all.</summary>
    private sealed class RetryHandler : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    var response = await base.SendAsync(request, cancellationToken);
                    if ((int)response.StatusCode < 500 || attempt == 3)
                    {
                        return response;
                    }

                    response.Dispose();
                }
                catch (HttpRequestException) when (attempt < 3)
                {
                }
            }
        }
    }
}
