using System.Net;
using Handlers.Eventing.Tests.Infrastructure;

namespace Handlers.Eventing.Tests.Calls;

/// <summary>
/// The call's state machine seen from outside: the end is decided once, and what comes after it (an abort from a terminal
/// listener, a second send, a late attempt) changes nothing. Public surface only, so that these hold a rewrite of the
/// lifecycle. Found by mutation testing (docs/testing.md).
/// </summary>
public class HttpCallLifecycleTests
{
    private const string Url = "http://example.test/lifecycle";

    [Fact]
    public async Task Abort_InsideTheErrorListenerOfACancelledSend_TheCallersCancellationIsThrown()
    {
        using var client = new HttpClient(new EventingHandler(new HangingHandler()));
        using var caller = new CancellationTokenSource();
        var call = client.CreateCall(HttpMethod.Get, Url);
        var recorder = new EventRecorder(call);
        call.On(HttpEvents.Error, _ => call.Abort());
        var sending = call.SendAsync(caller.Token);

        await caller.CancelAsync();

        var thrown = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sending).WithTimeout();
        Assert.DoesNotContain("aborted", thrown.Message, StringComparison.OrdinalIgnoreCase);
        var error = Assert.IsAssignableFrom<OperationCanceledException>(call.Response.Error);
        Assert.DoesNotContain("aborted", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("error,complete:True", recorder.Compact());
    }

    [Fact]
    public async Task Abort_InsideTheErrorListenerOfATransportFailure_TheTransportFailureIsThrown()
    {
        var failure = new HttpRequestException("Connection refused.");
        using var client = new HttpClient(new EventingHandler(new InlineHandler(_ => throw failure)));
        using var request = new HttpRequestMessage(HttpMethod.Get, Url);
        var call = HttpCall.For(request);
        var recorder = new EventRecorder(call);
        call.On(HttpEvents.Error, _ => call.Abort());

        var thrown = await Assert.ThrowsAsync<HttpRequestException>(() => client.SendAsync(request)).WithTimeout();

        Assert.Same(failure, thrown);
        Assert.Same(failure, call.Response.Error);
        Assert.Equal("httpError,error,complete:True", recorder.Compact());
    }

    [Fact]
    public async Task Abort_InsideTheErrorListenerOfAnErrorStatus_AwsSendReturnsTheStatusError()
    {
        using var client = new HttpClient(new EventingHandler(new InlineHandler(_ =>
            new HttpResponseMessage(HttpStatusCode.ServiceUnavailable) { Content = new ByteArrayContent(new byte[100]) })));
        var call = client.CreateCall(HttpMethod.Get, Url);
        var recorder = new EventRecorder(call);
        call.On(HttpEvents.Error, _ => call.Abort());

        var response = await call.SendAsync().WithTimeout();

        var error = Assert.IsType<HttpRequestException>(response.Error);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, error.StatusCode);
        Assert.Equal("httpHeaders:503,httpDownloadProgress*,httpData*,httpDone,error,complete:True", recorder.Compact());
    }

    [Fact]
    public async Task Abort_BeforeSend_TheTransportIsNeverReachedAndTheSendThrowsTheAbort()
    {
        var reached = 0;
        using var client = new HttpClient(new EventingHandler(new InlineHandler(_ =>
        {
            reached++;
            return new HttpResponseMessage(HttpStatusCode.OK);
        })));
        using var request = new HttpRequestMessage(HttpMethod.Get, Url);
        var call = HttpCall.For(request);
        var recorder = new EventRecorder(call);
        call.Abort();

        var thrown = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.SendAsync(request)).WithTimeout();

        Assert.Same(call.Response.Error, thrown);
        Assert.Equal(0, reached);
        Assert.Equal("error,complete:True", recorder.Compact());
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
