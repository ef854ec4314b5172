using System.Diagnostics;
using System.Net;
using Handlers.Eventing.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace Handlers.Eventing.Tests.Calls;

/// <summary>
/// The call's state machine seen from outside: the end is decided once, and what comes after it (an abort from a terminal
/// listener, a second send, a late attempt) changes nothing. Public surface only, so that these hold a rewrite of the
/// lifecycle. Found by mutation testing (docs/testing.md).
/// </summary>
public class HttpCallLifecycleTests
{
    private const string Url = "http://example.test/lifecycle";

    [Theory]
    [PipelineShapes]
    public async Task Abort_InsideTheErrorListenerOfACancelledSend_TheCallersCancellationIsThrown(PipelineShape shape)
    {
        using var sut = CallUnderTest.InMemory(new HangingHandler(), shape, Url, createCall: true);
        using var caller = new CancellationTokenSource();
        var (call, recorder) = (sut.Call, sut.Recorder);
        call.On(HttpEvents.Error, _ => call.Abort());
        var sending = call.SendAsync(caller.Token);

        await caller.CancelAsync();

        var thrown = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sending).WithTimeout();
        Assert.DoesNotContain("aborted", thrown.Message, StringComparison.OrdinalIgnoreCase);
        var error = Assert.IsAssignableFrom<OperationCanceledException>(call.Response.Error);
        Assert.DoesNotContain("aborted", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("error,complete:True", recorder.Compact());
    }

    [Theory]
    [PipelineShapes]
    public async Task Abort_InsideTheErrorListenerOfATransportFailure_TheTransportFailureIsThrown(PipelineShape shape)
    {
        var failure = new HttpRequestException("Connection refused.");
        using var sut = CallUnderTest.InMemory(new InlineHandler(_ => throw failure), shape, Url);
        var (call, recorder) = (sut.Call, sut.Recorder);
        call.On(HttpEvents.Error, _ => call.Abort());

        var thrown = await Assert.ThrowsAsync<HttpRequestException>(() => sut.SendAsync()).WithTimeout();

        Assert.Same(failure, thrown);
        Assert.Same(failure, call.Response.Error);
        Assert.Equal("httpError,error,complete:True", recorder.Compact());
    }

    [Theory]
    [PipelineShapes]
    public async Task Abort_InsideTheErrorListenerOfAnErrorStatus_AwsSendReturnsTheStatusError(PipelineShape shape)
    {
        using var sut = CallUnderTest.InMemory(new InlineHandler(_ =>
            new HttpResponseMessage(HttpStatusCode.ServiceUnavailable) { Content = new ByteArrayContent(new byte[100]) }), shape, Url, createCall: true);
        var (call, recorder) = (sut.Call, sut.Recorder);
        call.On(HttpEvents.Error, _ => call.Abort());

        var response = await call.SendAsync().WithTimeout();

        var error = Assert.IsType<HttpRequestException>(response.Error);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, error.StatusCode);
        Assert.Equal("httpHeaders:503,httpDownloadProgress*,httpData*,httpDone,error,complete:True", recorder.Compact());
    }

    [Theory]
    [PipelineShapes]
    public async Task Abort_BeforeSend_TheTransportIsNeverReachedAndTheSendThrowsTheAbort(PipelineShape shape)
    {
        var reached = 0;
        using var sut = CallUnderTest.InMemory(
            new InlineHandler(_ =>
            {
                reached++;
                return new HttpResponseMessage(HttpStatusCode.OK);
            }),
            shape,
            Url);
        var (call, recorder) = (sut.Call, sut.Recorder);
        call.Abort();

        var thrown = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sut.SendAsync()).WithTimeout();

        Assert.Same(call.Response.Error, thrown);
        Assert.Equal(0, reached);
        Assert.Equal("error,complete:True", recorder.Compact());
    }

    [Theory]
    [PipelineShapes]
    public async Task Configure_AbortsTheCallBeforeItsFirstEvent_TheSendThrowsTheAbortWithoutWaitingForTheTransport(PipelineShape shape)
    {
        using var sut = CallUnderTest.InMemory(new HangingHandler(), shape, Url, new EventingOptions().OnCall(c => c.Abort()));
        var (call, recorder) = (sut.Call, sut.Recorder);

        var thrown = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sut.SendAsync()).WithTimeout();

        Assert.Same(call.Response.Error, thrown);
        Assert.Contains("aborted", thrown.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("error,complete:True", recorder.Compact());
    }

    [Theory]
    [PipelineShapes]
    public async Task On_ListenersAddedAfterAConfiguredCallStarted_RunInRegistrationOrder(PipelineShape shape)
    {
        var order = new List<string>();
        var options = new EventingOptions().OnCall(c => c.On(HttpEvents.HttpData, _ => order.Add("configured")));
        using var sut = CallUnderTest.InMemory(
            new InlineHandler(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(new byte[10]) }), shape, Url, options, record: false);
        var call = sut.Call;
        call.On(HttpEvents.HttpData, _ => order.Add("before send"));
        using var response = await sut.SendAsync(HttpCompletionOption.ResponseHeadersRead).WithTimeout();

        call.On(HttpEvents.HttpData, _ => order.Add("after send 1"));
        call.On(HttpEvents.HttpData, _ => order.Add("after send 2"));
        await response.Content.ReadAsByteArrayAsync().WithTimeout();

        Assert.Equal(["configured", "before send", "after send 1", "after send 2"], order);
    }

    [Theory]
    [PipelineShapes]
    public async Task Abort_FromTheHeadersListener_TheSendThrowsTheAbortAndTheBodyIsNeverRead(PipelineShape shape)
    {
        var body = new ScriptedStream(false, ScriptedStream.Chunk(10));
        using var sut = CallUnderTest.InMemory(new InlineHandler(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(body) }), shape, Url);
        var (call, recorder) = (sut.Call, sut.Recorder);
        call.On(HttpEvents.HttpHeaders, e => e.Call.Abort());

        var thrown = await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => sut.SendAsync(HttpCompletionOption.ResponseHeadersRead)).WithTimeout();

        Assert.Same(call.Response.Error, thrown);
        Assert.Contains("aborted", thrown.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("httpHeaders:200,error,complete:True", recorder.Compact());
        Assert.Equal(0, body.Reads);
        Assert.True(body.Disposals > 0, "The transport's stream is released.");
    }

    [Theory]
    [PipelineShapes]
    public async Task Abort_FromTheHeadersListenerWhenACompleteListenerThrows_TheSendThrowsTheListenersException(PipelineShape shape)
    {
        using var sut = CallUnderTest.InMemory(
            new InlineHandler(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(new byte[10]) }), shape, Url, record: false);
        var call = sut.Call;
        var listener = new ListenerException();
        var completed = 0;
        call.On(HttpEvents.HttpHeaders, e => e.Call.Abort())
            .On(HttpEvents.Complete, _ => completed++)
            .On(HttpEvents.Complete, _ => throw listener);

        var thrown = await Assert.ThrowsAsync<ListenerException>(
            () => sut.SendAsync(HttpCompletionOption.ResponseHeadersRead)).WithTimeout();

        Assert.Same(listener, thrown);
        Assert.Equal(1, completed);
        Assert.IsType<OperationCanceledException>(call.Response.Error);
    }

    [Theory]
    [PipelineShapes(false)]
    [PipelineShapes(true)]
    public async Task Response_DurationAndTimeToHeaders_WithinTheTimeTheCallTook(bool sync, PipelineShape shape)
    {
        using var sut = CallUnderTest.InMemory(
            new InlineHandler(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(new byte[10]) }), shape, Url, record: false);
        var call = sut.Call;

        var watch = Stopwatch.StartNew();
        using (var response = sync ? sut.Client.Send(sut.Request) : await sut.SendAsync().WithTimeout())
        {
            watch.Stop();
        }

        Assert.InRange(call.Response.TimeToHeaders!.Value, TimeSpan.Zero, watch.Elapsed);
        Assert.InRange(call.Response.Duration!.Value, call.Response.TimeToHeaders!.Value, watch.Elapsed);
    }

    [Fact]
    public async Task Retry_ListenerThrowsOnAPlainRetry_TheSendThrowsItAndTheAttemptIsNeverSent()
    {
        var sent = 0;
        var services = new ServiceCollection();
        services.AddHttpClient("plain").AddEventing().AddHttpMessageHandler(() => new RetryOnceHandler())
            .ConfigurePrimaryHttpMessageHandler(() => new InlineHandler(_ =>
                new HttpResponseMessage(++sent == 1 ? HttpStatusCode.ServiceUnavailable : HttpStatusCode.OK) { Content = new ByteArrayContent(new byte[10]) }));
        using var provider = services.BuildServiceProvider();
        using var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("plain");
        using var request = new HttpRequestMessage(HttpMethod.Get, Url);
        var call = HttpCall.For(request);
        var recorder = new EventRecorder(call);
        var listener = new ListenerException();
        call.On(HttpEvents.Retry, _ => throw listener);

        var thrown = await Assert.ThrowsAsync<ListenerException>(() => client.SendAsync(request)).WithTimeout();

        Assert.Same(listener, thrown);
        Assert.Same(listener, call.Response.Error);
        Assert.Equal(1, sent);
        Assert.Equal("httpHeaders:503,retry:2,error,complete:True", recorder.Compact());
        Assert.Empty(recorder.HttpErrors);
    }

    [Fact]
    public async Task Retry_ListenerThrowsOnAPollyRetry_TheSendThrowsItAndTheAttemptIsNeverSent()
    {
        var sent = 0;
        var services = new ServiceCollection();
        services.AddHttpClient("polly").AddEventing()
            .AddResilienceHandler("retry", b => b.AddRetry(new HttpRetryStrategyOptions
            {
                Delay = TimeSpan.Zero,
                BackoffType = DelayBackoffType.Constant,
                UseJitter = false,
                MaxRetryAttempts = 2,
            }));
        services.AddHttpClient("polly").ConfigurePrimaryHttpMessageHandler(() => new InlineHandler(_ =>
            new HttpResponseMessage(++sent == 1 ? HttpStatusCode.ServiceUnavailable : HttpStatusCode.OK) { Content = new ByteArrayContent(new byte[10]) }));
        using var provider = services.BuildServiceProvider();
        using var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("polly");
        using var request = new HttpRequestMessage(HttpMethod.Get, Url);
        var call = HttpCall.For(request);
        var recorder = new EventRecorder(call);
        var listener = new ListenerException();
        TimeSpan? delay = null;
        call.On(HttpEvents.Retry, e =>
        {
            delay = e.Delay;
            throw listener;
        });

        var thrown = await Assert.ThrowsAsync<ListenerException>(() => client.SendAsync(request)).WithTimeout();

        Assert.Same(listener, thrown);
        Assert.Same(listener, call.Response.Error);
        Assert.Equal(TimeSpan.Zero, delay);
        Assert.Equal(1, sent);
        Assert.Equal(1, recorder.Count("retry"));
        Assert.EndsWith("error,complete:True", recorder.Compact(), StringComparison.Ordinal);
    }

    /// <summary>Sends a request again once when the first answer is a 5xx, with no Polly.</summary>
    private sealed class RetryOnceHandler : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if ((int)response.StatusCode < 500)
            {
                return response;
            }

            response.Dispose();
            return await base.SendAsync(request, cancellationToken);
        }
    }

    /// <summary>A transport that never answers: its send waits until cancelled.</summary>
    private sealed class HangingHandler : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            throw new InvalidOperationException("Unreachable.");
        }
    }
}
