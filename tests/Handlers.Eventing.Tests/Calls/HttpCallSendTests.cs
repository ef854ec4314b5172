using System.Net;
using Handlers.Eventing.Tests.Infrastructure;
using RichardSzalay.MockHttp;

namespace Handlers.Eventing.Tests.Calls;

/// <summary>The AWS-style <see cref="HttpCall.SendAsync"/>: send, drive the body through httpData, return the response.</summary>
public class HttpCallSendTests
{
    /// <summary>Arranges an AWS-style call to <paramref name="pathAndQuery"/> on the loopback server, with a recorder.</summary>
    private static Task<CallUnderTest> LoopbackCallAsync(string pathAndQuery, PipelineShape shape, Action<HttpCall>? listen = null, bool record = true) =>
        CallUnderTest.LoopbackAsync(pathAndQuery, shape, listen: listen, createCall: true, record: record);

    /// <summary>Arranges an AWS-style call over <paramref name="transport"/> (a new <see cref="SocketsHttpHandler"/> unless given).</summary>
    private static CallUnderTest InMemoryCall(PipelineShape shape, string url = CallUnderTest.InMemoryUrl, HttpMessageHandler? transport = null, bool record = true) =>
        CallUnderTest.InMemory(transport ?? new SocketsHttpHandler(), shape, url, createCall: true, record: record);

    /// <summary>Arranges an AWS-style call over an in-memory transport that answers 200 with <paramref name="body"/>.</summary>
    private static CallUnderTest OkCall(PipelineShape shape, string body, bool record = false) =>
        InMemoryCall(shape, transport: MockTransport.Responding(System.Text.Encoding.UTF8.GetBytes(body)), record: record);

    [Theory]
    [PipelineShapes]
    public async Task SendAsync_Success_ResultIsResponseCompletionAndEventArguments(PipelineShape shape)
    {
        using var sut = OkCall(shape, "hello");
        var call = sut.Call;
        HttpCallResponse? done = null, success = null, complete = null;

        var result = await call
            .On(HttpEvents.HttpDone, r => done = r)
            .On(HttpEvents.Success, r => success = r)
            .On(HttpEvents.Complete, r => complete = r)
            .SendAsync().WithTimeout();

        Assert.Same(call.Response, result);
        Assert.Same(result, await call.Completion.WithTimeout());
        Assert.Same(result, done);
        Assert.Same(result, success);
        Assert.Same(result, complete);
        Assert.True(call.IsFinished);
        Assert.Equal(HttpStatusCode.OK, result.StatusCode);
        Assert.True(result.IsSuccess);
    }

    [Theory]
    [PipelineShapes]
    public async Task SendAsync_ErrorStatus_ReturnsNormallyWithErrorSet(PipelineShape shape)
    {
        using var sut = await LoopbackCallAsync("status/500?body=oops", shape);
        var recorder = sut.Recorder;

        var result = await sut.Call.SendAsync().WithTimeout();

        Assert.Equal(HttpStatusCode.InternalServerError, result.StatusCode);
        Assert.Equal(HttpStatusCode.InternalServerError, Assert.IsType<HttpRequestException>(result.Error).StatusCode);
        Assert.Equal("oops", System.Text.Encoding.UTF8.GetString(recorder.Body.ToArray()));
        Assert.Equal("httpHeaders:500,httpDownloadProgress*,httpData*,httpDone,error,complete:True", recorder.Compact());
    }

    [Theory]
    [PipelineShapes]
    public async Task SendAsync_Twice_ThrowsInvalidOperationWithHelp(PipelineShape shape)
    {
        using var sut = OkCall(shape, "x");
        var call = sut.Call;
        await call.SendAsync().WithTimeout();

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => call.SendAsync()).WithTimeout();

        Assert.Contains("already", ex.Message, StringComparison.Ordinal);
        Assert.Contains("CreateCall", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [PipelineShapes]
    public async Task SendAsync_WhileFirstRunning_ThrowsInvalidOperation(PipelineShape shape)
    {
        using var sut = await LoopbackCallAsync("hang", shape, record: false);
        var call = sut.Call;
        var first = call.SendAsync();

        await Assert.ThrowsAsync<InvalidOperationException>(() => call.SendAsync()).WithTimeout();

        call.Abort();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first).WithTimeout();
    }

    [Fact]
    public async Task SendAsync_CallMadeByFor_ThrowsInvalidOperationSayingHowToSend()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://example.test/");
        var call = HttpCall.For(request);

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => call.SendAsync()).WithTimeout();

        Assert.Contains("HttpClient.SendAsync", ex.Message, StringComparison.Ordinal);
        Assert.Contains("CreateCall", ex.Message, StringComparison.Ordinal);
        Assert.False(call.IsStarted);
    }

    [Theory]
    [PipelineShapes]
    public async Task SendAsync_LargeBody_DrivenThroughHttpDataToTheEnd(PipelineShape shape)
    {
        const int length = 4 * 1024 * 1024;
        long index = 0;
        var mismatches = 0;
        using var sut = await LoopbackCallAsync($"bytes/{length}?chunk=65536", shape, record: false, listen: call => call.On(HttpEvents.HttpData, e =>
        {
            foreach (var b in e.Chunk.Span)
            {
                if (b != LoopbackServer.PatternByte(index++))
                {
                    mismatches++;
                }
            }
        }));
        var recorder = new EventRecorder(sut.Call, data: false);

        var result = await sut.Call.SendAsync().WithTimeout();

        Assert.Equal(length, index);
        Assert.Equal(0, mismatches);
        Assert.Equal(length, result.BytesReceived);
        Assert.Equal(length, recorder.DownloadProgress.Last().Loaded);
        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpDone,success,complete:True", recorder.Compact());
    }

    [Theory]
    [PipelineShapes]
    public async Task SendAsync_BufferResponseBody_ContentStaysReadable(PipelineShape shape)
    {
        using var sut = await LoopbackCallAsync("bytes/70000?chunked=true", shape);
        sut.Call.BufferResponseBody = true;
        var recorder = sut.Recorder;

        var result = await sut.Call.SendAsync().WithTimeout();

        Assert.Equal(LoopbackServer.Pattern(70000), await result.HttpResponse!.Content.ReadAsByteArrayAsync());
        Assert.Equal(LoopbackServer.Pattern(70000), await result.HttpResponse.Content.ReadAsByteArrayAsync());
        Assert.Equal(LoopbackServer.Pattern(70000), recorder.Body.ToArray());
        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,httpDone,success,complete:True", recorder.Compact());
    }

    [Theory]
    [PipelineShapes]
    public async Task SendAsync_TimeoutWhileBodyHangs_TaskCanceledWithTimeoutInner(PipelineShape shape)
    {
        using var sut = await LoopbackCallAsync("hang-body/100000?send=1000", shape);
        sut.Client.Timeout = TimeSpan.FromMilliseconds(1000);
        var call = sut.Call;
        var recorder = sut.Recorder;

        var ex = await Assert.ThrowsAsync<TaskCanceledException>(() => call.SendAsync()).WithTimeout();

        Assert.IsType<TimeoutException>(ex.InnerException);
        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,error,complete:True", recorder.Compact());
        Assert.Equal(1000, recorder.Body.Length);
        Assert.IsAssignableFrom<OperationCanceledException>(call.Response.Error);
        Assert.Empty(recorder.HttpErrors);
    }

    [Theory]
    [PipelineShapes]
    public async Task SendAsync_TimeoutBeforeHeaders_TaskCanceledWithTimeoutInner(PipelineShape shape)
    {
        using var sut = await LoopbackCallAsync("hang", shape);
        sut.Client.Timeout = TimeSpan.FromMilliseconds(500);
        var call = sut.Call;
        var recorder = sut.Recorder;

        var ex = await Assert.ThrowsAsync<TaskCanceledException>(() => call.SendAsync()).WithTimeout();

        Assert.IsType<TimeoutException>(ex.InnerException);
        Assert.Equal("error,complete:True", recorder.Compact());
    }

    [Theory]
    [PipelineShapes]
    public async Task SendAsync_AbortMidBody_ThrowsTheAbortException(PipelineShape shape)
    {
        using var sut = await LoopbackCallAsync("hang-body/100000?send=1000", shape);
        var call = sut.Call;
        var recorder = sut.Recorder;
        var firstData = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        call.Once(HttpEvents.HttpData, _ => firstData.TrySetResult());

        var sending = call.SendAsync();
        await firstData.Task.WithTimeout();
        call.Abort();

        var ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sending).WithTimeout();
        Assert.Same(call.Response.Error, ex);
        Assert.Contains("aborted", ex.Message, StringComparison.Ordinal);
        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,error,complete:True", recorder.Compact());
    }

    [Theory]
    [PipelineShapes]
    public async Task SendAsync_AbortFromDataListener_ThrowsTheAbortException(PipelineShape shape)
    {
        using var sut = await LoopbackCallAsync("bytes/1000000?chunk=4096", shape);
        var call = sut.Call;
        var recorder = sut.Recorder;
        call.Once(HttpEvents.HttpData, e => e.Call.Abort());

        var ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.SendAsync()).WithTimeout();

        Assert.Same(call.Response.Error, ex);
        Assert.Equal(1, recorder.Count("httpData"));
        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,error,complete:True", recorder.Compact());
    }

    [Theory]
    [PipelineShapes]
    public async Task SendAsync_AbortBeforeSend_ThrowsAbortWithoutSending(PipelineShape shape)
    {
        using var sut = OkCall(shape, "x", record: true);
        var call = sut.Call;
        var recorder = sut.Recorder;
        call.Abort();

        var ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.SendAsync()).WithTimeout();

        Assert.Same(call.Response.Error, ex);
        Assert.Equal("error,complete:True", recorder.Compact());
    }

    [Theory]
    [PipelineShapes]
    public async Task SendAsync_CallerCancelsMidBody_ThrowsOperationCanceled(PipelineShape shape)
    {
        using var sut = await LoopbackCallAsync("hang-body/100000?send=1000", shape);
        using var cts = new CancellationTokenSource();
        var call = sut.Call;
        var recorder = sut.Recorder;
        call.Once(HttpEvents.HttpData, _ => cts.Cancel());

        var ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.SendAsync(cts.Token)).WithTimeout();

        Assert.IsNotType<TimeoutException>(ex.InnerException);
        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,error,complete:True", recorder.Compact());
        Assert.IsAssignableFrom<OperationCanceledException>(call.Response.Error);
    }

    [Theory]
    [PipelineShapes]
    public async Task SendAsync_ConnectionRefused_ThrowsSameTypeAsHttpClient(PipelineShape shape)
    {
        var url = LoopbackServer.RefusedAddress();
        using var bare = new HttpClient(new SocketsHttpHandler());
        var expected = await Assert.ThrowsAnyAsync<Exception>(() => bare.GetAsync(url)).WithTimeout();
        using var sut = InMemoryCall(shape, url.ToString());
        var call = sut.Call;
        var recorder = sut.Recorder;

        var actual = await Assert.ThrowsAnyAsync<Exception>(() => call.SendAsync()).WithTimeout();

        Assert.Equal(expected.GetType(), actual.GetType());
        Assert.Equal(expected.InnerException?.GetType(), actual.InnerException?.GetType());
        Assert.Equal("httpError,error,complete:True", recorder.Compact());
        Assert.Same(actual, call.Response.Error);
    }

    [Theory]
    [PipelineShapes]
    public async Task SendAsync_HttpDataListenerThrowsIOException_ThrowsListenersOwnObjectUnwrapped(PipelineShape shape)
    {
        using var sut = await LoopbackCallAsync("bytes/100000", shape);
        var call = sut.Call;
        var recorder = sut.Recorder;
        var boom = new IOException("listener failed while writing the chunk to disk");
        call.Once(HttpEvents.HttpData, _ => throw boom);

        var actual = await Assert.ThrowsAsync<IOException>(() => call.SendAsync()).WithTimeout();

        Assert.Same(boom, actual);
        Assert.Same(boom, call.Response.Error);
        Assert.Equal(0, recorder.Count("httpError"));
        Assert.Equal(0, recorder.Count("httpDone"));
        Assert.EndsWith("error,complete:True", recorder.Compact(), StringComparison.Ordinal);
    }

    [Theory]
    [PipelineShapes]
    public async Task SendAsync_TruncatedBody_HttpErrorThenThrows(PipelineShape shape)
    {
        var server = await LoopbackServer.Shared;
        var url = new Uri(server.TruncatingAddress, "100000?send=30000");
        using var bare = new HttpClient(new SocketsHttpHandler());
        var expected = await Assert.ThrowsAnyAsync<Exception>(() => bare.GetAsync(url)).WithTimeout();
        using var sut = InMemoryCall(shape, url.ToString());
        var call = sut.Call;
        var recorder = sut.Recorder;

        var actual = await Assert.ThrowsAnyAsync<Exception>(() => call.SendAsync()).WithTimeout();

        // What HttpClient.SendAsync would throw for the same failure: HttpRequestException around the transport's IOException.
        Assert.Equal(expected.GetType(), actual.GetType());
        Assert.Equal(expected.InnerException?.GetType(), actual.InnerException?.GetType());
        Assert.Same(actual, recorder.HttpErrors.Single());
        Assert.Same(actual, call.Response.Error);
        Assert.Equal(30000, recorder.Body.Length);
        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,httpError,error,complete:True", recorder.Compact());
    }
    // Issue 19, defect 4: the library's own SendAsync ends its call on every failure, also one raised before the request
    // reaches the handler: error with that exception, complete, Completion done.
    [Theory]
    [PipelineShapes]
    public async Task SendAsync_RelativeUriWithoutBaseAddress_EndsTheCallWithHttpClientsException(PipelineShape shape)
    {
        using var sut = InMemoryCall(shape, "relative/path");
        var call = sut.Call;
        var recorder = sut.Recorder;

        var thrown = await Assert.ThrowsAsync<InvalidOperationException>(() => call.SendAsync().WithTimeout());

        var final = await call.Completion.WithTimeout();
        Assert.Same(thrown, final.Error);
        Assert.True(call.IsFinished);
        Assert.Equal("error,complete:True", string.Join(',', recorder.Names));
    }

    [Theory]
    [PipelineShapes]
    public async Task SendAsync_DisposedClient_EndsTheCallWithObjectDisposedException(PipelineShape shape)
    {
        using var sut = InMemoryCall(shape, "http://127.0.0.1:1/", record: false);
        var call = sut.Call;
        sut.Client.Dispose();
        HttpCallResponse? error = null;
        call.On(HttpEvents.Error, r => error = r);

        var thrown = await Assert.ThrowsAsync<ObjectDisposedException>(() => call.SendAsync().WithTimeout());

        Assert.Same(thrown, (await call.Completion.WithTimeout()).Error);
        Assert.Same(call.Response, error);
    }

    [Fact]
    public async Task SendAsync_ClientWithoutEventingHandler_EndsTheCallWithTheException()
    {
        var mock = new MockHttpMessageHandler();
        mock.When("*").Respond(HttpStatusCode.OK, "text/plain", "hello");
        using var client = new HttpClient(mock);
        var call = client.CreateCall(HttpMethod.Get, "http://example.test/");

        var thrown = await Assert.ThrowsAsync<InvalidOperationException>(() => call.SendAsync().WithTimeout());

        Assert.Same(thrown, (await call.Completion.WithTimeout()).Error);
    }

    [Theory]
    [PipelineShapes]
    public async Task SendAsync_FailsBeforeTheHandler_ErrorListenerExceptionIsThrownAfterComplete(PipelineShape shape)
    {
        using var sut = InMemoryCall(shape, "relative/path", record: false);
        var call = sut.Call;
        var listenerFault = new InvalidTimeZoneException("from the error listener");
        var completed = false;
        call.On(HttpEvents.Error, _ => throw listenerFault).On(HttpEvents.Complete, _ => completed = true);

        var thrown = await Assert.ThrowsAsync<InvalidTimeZoneException>(() => call.SendAsync().WithTimeout());

        Assert.Same(listenerFault, thrown);
        Assert.True(completed);
        Assert.IsType<InvalidOperationException>(call.Response.Error);
    }

    // Found by the first mutation pass: cancelled by the caller before the headers, SendAsync threw with the token it linked
    // internally; HttpClient.SendAsync carries the caller's token, and so does call.SendAsync now (mid-body already did).
    [Theory]
    [PipelineShapes]
    public async Task SendAsync_CallerCancelsBeforeHeaders_ExceptionCarriesTheCallersToken(PipelineShape shape)
    {
        var plainTransport = new WaitForCancellationHandler();
        using var plain = new HttpClient(plainTransport);
        using var plainCancellation = new CancellationTokenSource();
        var plainSend = plain.SendAsync(new HttpRequestMessage(HttpMethod.Get, "http://example.test/"), plainCancellation.Token);
        await plainTransport.Entered.WithTimeout();
        plainCancellation.Cancel();
        var expected = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => plainSend).WithTimeout();

        var transport = new WaitForCancellationHandler();
        using var sut = InMemoryCall(shape, transport: transport, record: false);
        var call = sut.Call;
        using var cancellation = new CancellationTokenSource();
        var send = call.SendAsync(cancellation.Token);
        await transport.Entered.WithTimeout();
        cancellation.Cancel();
        var thrown = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => send).WithTimeout();

        Assert.Equal(plainCancellation.Token, expected.CancellationToken);
        Assert.Equal(expected.GetType(), thrown.GetType());
        Assert.Equal(cancellation.Token, thrown.CancellationToken);
        Assert.IsAssignableFrom<OperationCanceledException>((await call.Completion.WithTimeout()).Error);
    }

    /// <summary>A transport that signals when a request reaches it and then waits only for the request's cancellation.</summary>
    private sealed class WaitForCancellationHandler : HttpMessageHandler
    {
        private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Entered => _entered.Task;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            _entered.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
            throw new InvalidOperationException("unreachable: the delay ends only by cancellation");
        }
    }
}
