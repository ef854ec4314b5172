using System.Net;
using Handlers.Eventing.Tests.Infrastructure;

namespace Handlers.Eventing.Tests.Calls.Internal;

/// <summary>
/// The promises of the response body observer, tested through the public surface only (an <see cref="HttpClient"/> over an
/// <see cref="EventingHandler"/>, the call's events, the response stream), so that they hold a rewrite of the observer: the
/// body closes once, a closed body raises nothing more, an abort wins over a read in flight. The body is a
/// <see cref="ScriptedStream"/>, whose hook forces an interleaving without timing. Found by mutation testing (docs/testing.md).
/// </summary>
public class ResponseBodyObserverBehaviorTests
{
    private const string Url = "http://example.test/body";

    [Fact]
    public async Task Dispose_Twice_EndsTheCallOnceAndThrowsNothing()
    {
        var body = new ScriptedStream(false, ScriptedStream.Chunk(10), ScriptedStream.Chunk(990));
        var (call, recorder, response) = await SendAsync(body, length: 1000);
        var stream = await response.Content.ReadAsStreamAsync();
        await stream.ReadExactlyAsync(new byte[10]).AsTask().WithTimeout();

        response.Dispose();
        var events = recorder.Compact();
        response.Dispose();
        await stream.DisposeAsync();
        stream.Dispose();

        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,error,complete:True", events);
        Assert.Equal(events, recorder.Compact());
        Assert.IsType<HttpCallAbandonedException>(call.Response.Error);
    }

    [Fact]
    public async Task ReadAsync_AfterDispose_ThrowsAndRaisesNothing()
    {
        var body = new ScriptedStream(false, ScriptedStream.Chunk(10), ScriptedStream.Chunk(990));
        var (call, recorder, response) = await SendAsync(body, length: 1000);
        var stream = await response.Content.ReadAsStreamAsync();
        await stream.ReadExactlyAsync(new byte[10]).AsTask().WithTimeout();
        response.Dispose();
        var events = recorder.Compact();
        var error = call.Response.Error;

        await Assert.ThrowsAnyAsync<Exception>(() => stream.ReadAsync(new byte[100]).AsTask()).WithTimeout();

        Assert.Equal(events, recorder.Compact());
        Assert.Empty(recorder.HttpErrors);
        Assert.Same(error, call.Response.Error);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ReadAsync_AfterTheBodyEnded_ReturnsZeroAndRaisesNothing(bool knownLength)
    {
        var body = new ScriptedStream(false, ScriptedStream.Chunk(100));
        var (call, recorder, response) = await SendAsync(body, knownLength ? 100 : null);
        var stream = await response.Content.ReadAsStreamAsync();
        await stream.ReadExactlyAsync(new byte[100]).AsTask().WithTimeout();
        if (!knownLength)
        {
            Assert.Equal(0, await stream.ReadAsync(new byte[10]).AsTask().WithTimeout());
        }

        var events = recorder.Compact();

        Assert.Equal(0, await stream.ReadAsync(new byte[10]).AsTask().WithTimeout());
        Assert.Equal(0, stream.Read(new byte[10], 0, 10));

        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,httpDone,success,complete:True", events);
        Assert.Equal(events, recorder.Compact());
        Assert.Null(call.Response.Error);
    }

    [Fact]
    public async Task ReadAsync_InnerContentLongerThanItsContentLength_NoEventAfterHttpDone()
    {
        // A content whose stream holds more than its Content-Length says (a handler below rewrote the body): the body ended
        // at the declared length, and bytes past it are the caller's business, not events of an ended call.
        var body = new ScriptedStream(false, ScriptedStream.Chunk(100), ScriptedStream.Chunk(50));
        var (call, recorder, response) = await SendAsync(body, length: 100);
        var stream = await response.Content.ReadAsStreamAsync();
        await stream.ReadExactlyAsync(new byte[100]).AsTask().WithTimeout();
        var events = recorder.Compact();

        _ = await stream.ReadAsync(new byte[100]).AsTask().WithTimeout();

        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,httpDone,success,complete:True", events);
        Assert.Equal(events, recorder.Compact());
        Assert.Equal(100, recorder.DownloadProgress.Last().Loaded);
        Assert.Null(call.Response.Error);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ReadAsync_AfterATransportFailure_ThrowsTheCallsErrorAndRaisesNothing(bool yield)
    {
        var failure = new IOException("The connection was reset.");
        var body = new ScriptedStream(yield, ScriptedStream.Chunk(10), ScriptedStream.Fail(failure), ScriptedStream.Chunk(990));
        var (call, recorder, response) = await SendAsync(body, length: 1000);
        var stream = await response.Content.ReadAsStreamAsync();
        await stream.ReadExactlyAsync(new byte[10]).AsTask().WithTimeout();

        var thrown = await Assert.ThrowsAsync<IOException>(() => stream.ReadAsync(new byte[100]).AsTask()).WithTimeout();
        var events = recorder.Compact();
        var again = await Assert.ThrowsAnyAsync<Exception>(() => stream.ReadAsync(new byte[100]).AsTask()).WithTimeout();

        Assert.Same(failure, thrown);
        Assert.Same(failure, call.Response.Error);
        Assert.Same(failure, again);
        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,httpError,error,complete:True", events);
        Assert.Equal(events, recorder.Compact());
        Assert.Same(failure, Assert.Single(recorder.HttpErrors));
    }

    [Fact]
    public async Task Read_SyncAfterATransportFailure_ThrowsTheCallsErrorAndRaisesNothing()
    {
        var failure = new IOException("The connection was reset.");
        var body = new ScriptedStream(false, ScriptedStream.Chunk(10), ScriptedStream.Fail(failure), ScriptedStream.Chunk(990));
        var (call, recorder, response) = await SendAsync(body, length: 1000);
        var stream = await response.Content.ReadAsStreamAsync();
        stream.ReadExactly(new byte[10]);

        var thrown = Assert.Throws<IOException>(() => stream.Read(new byte[100], 0, 100));
        var events = recorder.Compact();
        var again = Assert.ThrowsAny<Exception>(() => stream.Read(new byte[100], 0, 100));

        Assert.Same(failure, thrown);
        Assert.Same(failure, again);
        Assert.Same(failure, call.Response.Error);
        Assert.Equal(events, recorder.Compact());
        Assert.Single(recorder.HttpErrors);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public async Task Abort_WhileAReadIsInTheTransport_ThatReadThrowsTheAbortAndItsBytesRaiseNothing(bool yield, bool sync)
    {
        var body = new ScriptedStream(yield, ScriptedStream.Chunk(10), ScriptedStream.Chunk(10), ScriptedStream.Chunk(980));
        var (call, recorder, response) = await SendAsync(body, length: 1000);
        var stream = sync ? response.Content.ReadAsStream() : await response.Content.ReadAsStreamAsync();
        await stream.ReadExactlyAsync(new byte[10]).AsTask().WithTimeout();
        var dataBefore = recorder.Count("httpData");
        body.DuringRead = index =>
        {
            if (index == 1)
            {
                call.Abort();
            }
        };

        var thrown = sync
            ? Assert.ThrowsAny<OperationCanceledException>(() => stream.Read(new byte[10], 0, 10))
            : await Assert.ThrowsAnyAsync<OperationCanceledException>(() => stream.ReadAsync(new byte[10]).AsTask()).WithTimeout();

        Assert.True(call.IsFinished);
        Assert.Same(call.Response.Error, thrown);
        Assert.Contains("aborted", thrown.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(dataBefore, recorder.Count("httpData"));
        Assert.Equal(1, recorder.Count("error"));
        Assert.Equal(1, recorder.Count("complete"));
        Assert.Equal(0, recorder.Count("httpDone"));
        Assert.Empty(recorder.HttpErrors);
    }

    [Fact]
    public async Task Abort_WhileACopyIsInTheTransport_CopyThrowsTheAbortOnce()
    {
        var body = new ScriptedStream(true, ScriptedStream.Chunk(10), ScriptedStream.Chunk(10), ScriptedStream.Chunk(980));
        var (call, recorder, response) = await SendAsync(body, length: 1000);
        body.DuringRead = index =>
        {
            if (index == 1)
            {
                call.Abort();
            }
        };

        var thrown = await Assert.ThrowsAnyAsync<Exception>(() => response.Content.CopyToAsync(Stream.Null)).WithTimeout();

        var aborted = Assert.IsType<OperationCanceledException>(call.Response.Error);
        Assert.True(ReferenceEquals(aborted, thrown) || ReferenceEquals(aborted, thrown.InnerException), thrown.ToString());
        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,error,complete:True", recorder.Compact());
        Assert.Empty(recorder.HttpErrors);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Abort_BetweenReads_EndsTheCallAtOnceAndTheNextReadThrowsTheAbort(bool sync)
    {
        var body = new ScriptedStream(false, ScriptedStream.Chunk(10), ScriptedStream.Chunk(990));
        var (call, recorder, response) = await SendAsync(body, length: 1000);
        var stream = await response.Content.ReadAsStreamAsync();
        await stream.ReadExactlyAsync(new byte[10]).AsTask().WithTimeout();

        call.Abort();

        Assert.True(call.IsFinished);
        var aborted = Assert.IsType<OperationCanceledException>(call.Response.Error);
        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,error,complete:True", recorder.Compact());
        var thrown = sync
            ? Assert.ThrowsAny<OperationCanceledException>(() => stream.Read(new byte[10], 0, 10))
            : await Assert.ThrowsAnyAsync<OperationCanceledException>(() => stream.ReadAsync(new byte[10]).AsTask()).WithTimeout();
        Assert.Same(aborted, thrown);
        Assert.Equal(1, body.Reads);
        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,error,complete:True", recorder.Compact());
    }

    [Fact]
    public async Task Abort_Twice_EndsTheCallOnceAndThrowsNothing()
    {
        var body = new ScriptedStream(false, ScriptedStream.Chunk(10), ScriptedStream.Chunk(990));
        var (call, recorder, response) = await SendAsync(body, length: 1000);
        var stream = await response.Content.ReadAsStreamAsync();
        await stream.ReadExactlyAsync(new byte[10]).AsTask().WithTimeout();

        call.Abort();
        var error = call.Response.Error;
        call.Abort();
        response.Dispose();

        Assert.Same(error, call.Response.Error);
        Assert.Equal(1, recorder.Count("error"));
        Assert.Equal(1, recorder.Count("complete"));
    }

    [Fact]
    public async Task Abort_PendingReadWithTheCallersToken_ThrowsTheAbortNotTheCallersCancellation()
    {
        var body = new ScriptedStream(false, ScriptedStream.Chunk(10), ScriptedStream.Pending());
        var (call, recorder, response) = await SendAsync(body, length: 1000);
        var stream = await response.Content.ReadAsStreamAsync();
        await stream.ReadExactlyAsync(new byte[10]).AsTask().WithTimeout();
        using var caller = new CancellationTokenSource();

        var read = stream.ReadAsync(new byte[10], caller.Token).AsTask();
        await body.PendingStarted.WithTimeout();
        call.Abort();

        var thrown = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read).WithTimeout();
        Assert.Same(call.Response.Error, thrown);
        Assert.Contains("aborted", thrown.Message, StringComparison.OrdinalIgnoreCase);
        Assert.NotEqual(caller.Token, thrown.CancellationToken);
        Assert.Empty(recorder.HttpErrors);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ReadAsync_CallerCancelsThePendingRead_ThrowsCarryingTheCallersTokenAndNoHttpError(bool yield)
    {
        var body = new ScriptedStream(yield, ScriptedStream.Chunk(10), ScriptedStream.Pending());
        var (call, recorder, response) = await SendAsync(body, length: 1000);
        var stream = await response.Content.ReadAsStreamAsync();
        await stream.ReadExactlyAsync(new byte[10]).AsTask().WithTimeout();
        using var caller = new CancellationTokenSource();

        var read = stream.ReadAsync(new byte[10], caller.Token).AsTask();
        await body.PendingStarted.WithTimeout();
        await caller.CancelAsync();

        var thrown = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read).WithTimeout();
        Assert.Equal(caller.Token, thrown.CancellationToken);
        Assert.IsType<TaskCanceledException>(thrown);
        Assert.Same(thrown, call.Response.Error);
        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,error,complete:True", recorder.Compact());
        Assert.Empty(recorder.HttpErrors);
    }

    [Fact]
    public async Task ReadAsync_InnerThrowsTheCallersOwnCancellation_ThatObjectIsThrown()
    {
        using var caller = new CancellationTokenSource();
        var canceled = new OperationCanceledException("Cancelled by the caller.", caller.Token);
        var body = new ScriptedStream(false, ScriptedStream.Chunk(10), ScriptedStream.Fail(canceled));
        var (call, recorder, response) = await SendAsync(body, length: 1000);
        var stream = await response.Content.ReadAsStreamAsync();
        await stream.ReadExactlyAsync(new byte[10]).AsTask().WithTimeout();
        await caller.CancelAsync();

        var thrown = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => stream.ReadAsync(new byte[10], caller.Token).AsTask()).WithTimeout();

        Assert.Same(canceled, thrown);
        Assert.Same(canceled, call.Response.Error);
        Assert.Empty(recorder.HttpErrors);
    }

    [Fact]
    public async Task ReadAsync_InnerCancelledWithoutTheCallerCancelling_ThatObjectIsThrown()
    {
        // A cancellation the caller did not ask for (the transport's own) is not dressed up as the caller's.
        using var caller = new CancellationTokenSource();
        var canceled = new OperationCanceledException("Cancelled below.");
        var body = new ScriptedStream(false, ScriptedStream.Chunk(10), ScriptedStream.Fail(canceled));
        var (call, recorder, response) = await SendAsync(body, length: 1000);
        var stream = await response.Content.ReadAsStreamAsync();
        await stream.ReadExactlyAsync(new byte[10]).AsTask().WithTimeout();

        var thrown = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => stream.ReadAsync(new byte[10], caller.Token).AsTask()).WithTimeout();

        Assert.Same(canceled, thrown);
        Assert.Same(canceled, call.Response.Error);
        Assert.Empty(recorder.HttpErrors);
        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,error,complete:True", recorder.Compact());
    }

    [Fact]
    public async Task Dispose_AfterATransportFailure_RaisesNothingAndThrowsNothing()
    {
        var failure = new IOException("The connection was reset.");
        var body = new ScriptedStream(false, ScriptedStream.Chunk(10), ScriptedStream.Fail(failure));
        var (call, recorder, response) = await SendAsync(body, length: 1000);
        var stream = await response.Content.ReadAsStreamAsync();
        await stream.ReadExactlyAsync(new byte[10]).AsTask().WithTimeout();
        await Assert.ThrowsAsync<IOException>(() => stream.ReadAsync(new byte[100]).AsTask()).WithTimeout();
        var events = recorder.Compact();

        await stream.DisposeAsync();
        response.Dispose();

        Assert.Equal(events, recorder.Compact());
        Assert.Same(failure, call.Response.Error);
    }

    [Fact]
    public async Task ReadAsync_ListenerThrowsThenAbort_NoSecondEndAndAbortThrowsNothing()
    {
        var body = new ScriptedStream(false, ScriptedStream.Chunk(10), ScriptedStream.Chunk(990));
        var thrown = new ListenerException();
        var (call, recorder, response) = await SendAsync(body, length: 1000, configure: c => c.On(HttpEvents.HttpData, _ => throw thrown));
        var stream = await response.Content.ReadAsStreamAsync();
        var actual = await Assert.ThrowsAsync<ListenerException>(() => stream.ReadAsync(new byte[10]).AsTask()).WithTimeout();
        var events = recorder.Compact();

        call.Abort();
        var again = await Assert.ThrowsAnyAsync<Exception>(() => stream.ReadAsync(new byte[10]).AsTask()).WithTimeout();

        Assert.Same(thrown, actual);
        Assert.Same(thrown, again);
        Assert.Same(thrown, call.Response.Error);
        Assert.Equal(events, recorder.Compact());
    }

    private static async Task<(HttpCall Call, EventRecorder Recorder, HttpResponseMessage Response)> SendAsync(
        Stream body, long? length, HttpStatusCode status = HttpStatusCode.OK, Action<HttpCall>? configure = null)
    {
        var client = new HttpClient(new EventingHandler(new InlineHandler(_ =>
        {
            var content = new StreamContent(body);
            content.Headers.ContentLength = length;
            return new HttpResponseMessage(status) { Content = content };
        })));
        var request = new HttpRequestMessage(HttpMethod.Get, Url);
        var call = HttpCall.For(request);
        var recorder = new EventRecorder(call);
        configure?.Invoke(call);
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WithTimeout();
        return (call, recorder, response);
    }
}
