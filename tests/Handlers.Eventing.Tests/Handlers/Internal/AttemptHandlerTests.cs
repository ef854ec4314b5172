using System.Net;
using Handlers.Eventing.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Handlers.Eventing.Tests.Handlers.Internal;

/// <summary>
/// The attempt part of the pipeline, through the public surface (a factory client with <c>AddEventing()</c> and a handler of
/// its own between the two parts): it observes the attempts of the call the call part started, and lets every other request
/// through untouched. Found by mutation testing (docs/testing.md).
/// </summary>
public class AttemptHandlerTests
{
    private const string Url = "http://example.test/attempt";

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public async Task SideRequest_SentBetweenTheParts_PassesThroughWithoutEventsAndTheCallSeesOneAttempt(bool sync, bool sideHasCall)
    {
        var side = new SideRequestHandler(sideHasCall);
        using var provider = Provider(side);
        using var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("side");
        using var request = new HttpRequestMessage(HttpMethod.Get, Url);
        var recorder = new EventRecorder(HttpCall.For(request));

        using var response = sync ? client.Send(request) : await client.SendAsync(request).WithTimeout();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, side.SideStatus);
        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,httpDone,success,complete:True", recorder.Compact());
        Assert.Equal(0, recorder.Call.Response.RetryCount);
        Assert.Equal(1, recorder.Call.Response.Attempt);
        if (side.SideRecorder is { } sideRecorder)
        {
            Assert.Empty(sideRecorder.Names);
            Assert.Equal(0, sideRecorder.Call.Response.Attempt);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Send_TransportFails_HttpErrorThenErrorAndTheSameObjectThrown(bool sync)
    {
        var failure = new HttpRequestException("Connection refused.");
        using var provider = Provider(handler: null, respond: _ => throw failure);
        using var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("side");
        using var request = new HttpRequestMessage(HttpMethod.Get, Url);
        var recorder = new EventRecorder(HttpCall.For(request));

        var thrown = sync
            ? Assert.Throws<HttpRequestException>(() => client.Send(request))
            : await Assert.ThrowsAsync<HttpRequestException>(() => client.SendAsync(request)).WithTimeout();

        Assert.Same(failure, thrown);
        Assert.Same(failure, Assert.Single(recorder.HttpErrors));
        Assert.Same(failure, recorder.Call.Response.Error);
        Assert.Equal("httpError,error,complete:True", recorder.Compact());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Send_UploadListener_TheTransportSeesTheOriginalContentAfterTheAttempt(bool sync)
    {
        HttpContent? seen = null;
        using var provider = Provider(handler: null, respond: r =>
        {
            seen = r.Content;
            r.Content!.LoadIntoBufferAsync().GetAwaiter().GetResult();
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent([]) };
        });
        using var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("side");
        var original = new ByteArrayContent(new byte[100]);
        using var request = new HttpRequestMessage(HttpMethod.Post, Url) { Content = original };
        var recorder = new EventRecorder(HttpCall.For(request));

        using var response = sync ? client.Send(request) : await client.SendAsync(request).WithTimeout();

        // While the attempt ran, the transport read an observed content (upload progress); after it, the request has its own back.
        Assert.NotSame(original, seen);
        Assert.Same(original, request.Content);
        Assert.Equal(100, recorder.UploadProgress.Last().Loaded);
        Assert.Equal(100, recorder.Call.Response.BytesSent);
    }

    [Fact]
    public async Task Send_NoUploadListener_TheTransportSeesTheRequestsOwnContent()
    {
        HttpContent? seen = null;
        using var provider = Provider(handler: null, respond: r =>
        {
            seen = r.Content;
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent([]) };
        });
        using var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("side");
        var original = new ByteArrayContent(new byte[100]);
        using var request = new HttpRequestMessage(HttpMethod.Post, Url) { Content = original };
        var call = HttpCall.For(request);
        call.On(HttpEvents.HttpDownloadProgress, _ => { });

        using var response = await client.SendAsync(request).WithTimeout();

        Assert.Same(original, seen);
        Assert.Same(original, request.Content);
        Assert.True(call.IsFinished);
    }

    private static ServiceProvider Provider(DelegatingHandler? handler, Func<HttpRequestMessage, HttpResponseMessage>? respond = null)
    {
        var services = new ServiceCollection();
        var builder = services.AddHttpClient("side").AddEventing();
        if (handler is not null)
        {
            builder.AddHttpMessageHandler(() => handler);
        }

        builder.ConfigurePrimaryHttpMessageHandler(() => new InlineHandler(respond ?? (r => new HttpResponseMessage(
            r.RequestUri!.AbsolutePath == "/side" ? HttpStatusCode.Accepted : HttpStatusCode.OK) { Content = new ByteArrayContent(new byte[10]) })));
        return services.BuildServiceProvider();
    }

    /// <summary>Sends a request of its own (as an auth handler fetching a token would) before it forwards the caller's.</summary>
    private sealed class SideRequestHandler(bool withCall) : DelegatingHandler
    {
        public EventRecorder? SideRecorder { get; private set; }

        public HttpStatusCode? SideStatus { get; private set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            using (var response = await base.SendAsync(Side(), cancellationToken))
            {
                SideStatus = response.StatusCode;
                await response.Content.LoadIntoBufferAsync(cancellationToken);
            }

            return await base.SendAsync(request, cancellationToken);
        }

        protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            using (var response = base.Send(Side(), cancellationToken))
            {
                SideStatus = response.StatusCode;
                response.Content.CopyTo(Stream.Null, context: null, cancellationToken);
            }

            return base.Send(request, cancellationToken);
        }

        private HttpRequestMessage Side()
        {
            var side = new HttpRequestMessage(HttpMethod.Get, "http://example.test/side");
            if (withCall)
            {
                SideRecorder = new EventRecorder(HttpCall.For(side));
            }

            return side;
        }
    }
}
