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
        Assert.True(body.Disposals > 0, "The transport's stream is released at the abort.");
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

    [Fact]
    public async Task Dispose_UnknownLengthBeforeTheEnd_TheErrorSaysHowFarAndHowToReadToTheEnd()
    {
        var body = new ScriptedStream(false, ScriptedStream.Chunk(10), ScriptedStream.Chunk(990));
        var (call, _, response) = await SendAsync(body, length: null);
        var stream = await response.Content.ReadAsStreamAsync();
        await stream.ReadExactlyAsync(new byte[10]).AsTask().WithTimeout();

        response.Dispose();

        var error = Assert.IsType<HttpCallAbandonedException>(call.Response.Error);
        Assert.Contains("after 10 of an unknown number of bytes", error.Message, StringComparison.Ordinal);
        Assert.Contains("ResponseContentRead", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Abort_AfterTheHeadersBeforeTheBodyIsOpened_ReleasesTheTransportStream()
    {
        var body = new ScriptedStream(false, ScriptedStream.Chunk(10), ScriptedStream.Chunk(990));
        var (call, recorder, _) = await SendAsync(body, length: 1000);

        call.Abort();

        Assert.True(body.Disposals > 0, "The transport's stream is released at the abort.");
        Assert.IsType<OperationCanceledException>(call.Response.Error);
        Assert.Equal("httpHeaders:200,error,complete:True", recorder.Compact());
    }

    [Theory]
    [InlineData(typeof(IOException))]
    [InlineData(typeof(ObjectDisposedException))]
    [InlineData(typeof(InvalidOperationException))]
    public async Task Abort_TheTransportStreamThrowsWhenReleased_AbortThrowsNothingAndEndsTheCall(Type failureType)
    {
        var body = new ScriptedStream(false, ScriptedStream.Chunk(10), ScriptedStream.Chunk(990));
        var (call, recorder, response) = await SendAsync(body, length: 1000);
        var stream = await response.Content.ReadAsStreamAsync();
        await stream.ReadExactlyAsync(new byte[10]).AsTask().WithTimeout();
        body.DisposeFailure = (Exception)Activator.CreateInstance(failureType, "The connection could not be released.")!;

        call.Abort();

        Assert.True(body.Disposals > 0);
        Assert.True(call.IsFinished);
        Assert.IsType<OperationCanceledException>(call.Response.Error);
        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,error,complete:True", recorder.Compact());
    }

    [Fact]
    public async Task Read_FromTheErrorListenerOfAnAbort_ThrowsTheAbort()
    {
        var body = new ScriptedStream(false, ScriptedStream.Chunk(10), ScriptedStream.Chunk(10), ScriptedStream.Chunk(980));
        Stream? stream = null;
        Exception? readFromListener = null;
        var (call, recorder, response) = await SendAsync(body, length: 1000, configure: c => c.On(HttpEvents.Error, _ =>
        {
            readFromListener = Record.Exception(() => stream!.Read(new byte[10], 0, 10));
        }));
        stream = await response.Content.ReadAsStreamAsync();
        await stream.ReadExactlyAsync(new byte[10]).AsTask().WithTimeout();
        var dataBefore = recorder.Count("httpData");

        call.Abort();

        Assert.IsType<OperationCanceledException>(readFromListener);
        Assert.Same(call.Response.Error, readFromListener);
        Assert.Equal(dataBefore, recorder.Count("httpData"));
    }

    [Fact]
    public async Task ReadAsync_CallerCancelsAReadThatThrowsAPlainCancellation_APlainCancellationWithTheCallersToken()
    {
        var body = new ScriptedStream(false, ScriptedStream.Chunk(10), ScriptedStream.PendingPlain());
        var (call, _, response) = await SendAsync(body, length: 1000);
        var stream = await response.Content.ReadAsStreamAsync();
        await stream.ReadExactlyAsync(new byte[10]).AsTask().WithTimeout();
        using var caller = new CancellationTokenSource();

        var read = stream.ReadAsync(new byte[10], caller.Token).AsTask();
        await body.PendingStarted.WithTimeout();
        await caller.CancelAsync();

        var thrown = await Assert.ThrowsAsync<OperationCanceledException>(() => read).WithTimeout();
        Assert.Equal(caller.Token, thrown.CancellationToken);
        Assert.Same(thrown, call.Response.Error);
    }

    [Fact]
    public async Task HttpError_ListenerThrowsOnAMidBodyFailure_ReadThrowsItAndTheCallEndsWithIt()
    {
        var failure = new IOException("The connection was reset.");
        var listener = new ListenerException();
        var body = new ScriptedStream(false, ScriptedStream.Chunk(10), ScriptedStream.Fail(failure));
        var (call, recorder, response) = await SendAsync(body, length: 1000, configure: c => c.On(HttpEvents.HttpError, _ => throw listener));
        var stream = await response.Content.ReadAsStreamAsync();
        await stream.ReadExactlyAsync(new byte[10]).AsTask().WithTimeout();

        var thrown = await Assert.ThrowsAsync<ListenerException>(() => stream.ReadAsync(new byte[100]).AsTask()).WithTimeout();

        Assert.Same(listener, thrown);
        Assert.Same(listener, call.Response.Error);
        Assert.Same(failure, Assert.Single(recorder.HttpErrors));
        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,httpError,error,complete:True", recorder.Compact());
    }

    [Fact]
    public async Task SyncBuffering_ReleasesTheTransportStreamAtTheEnd_BeforeTheResponseIsDisposed()
    {
        // HttpClient.Send buffers through the library's read-by-read copy; at the end the source's stream is released at once
        // (a transport that holds a resource gets it back while the caller keeps the buffered response).
        var body = new ScriptedStream(false, ScriptedStream.Chunk(10), ScriptedStream.Chunk(990));
        var transport = new InlineHandler(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(body) });
        using var client = new HttpClient(new EventingHandler(transport));
        using var request = new HttpRequestMessage(HttpMethod.Get, Url);

        using var response = client.Send(request);

        Assert.True(body.Disposals > 0, "The transport's stream is released when the synchronous copy ends.");
        Assert.Equal(1000, (await response.Content.ReadAsByteArrayAsync()).Length);
    }

    [Fact]
    public void SyncBuffering_TransportFailure_ThrowsWhatAPlainClientThrows()
    {
        // The library's read-by-read synchronous copy wraps a transport failure as HttpContent's own copy does: a plain client
        // over the same failing body is the oracle (type, message, error code, inner exception).
        static HttpResponseMessage Failing(IOException failure) => new(HttpStatusCode.OK)
        {
            Content = new StreamContent(new ScriptedStream(false, ScriptedStream.Chunk(10), ScriptedStream.Fail(failure))),
        };
        var plainFailure = new IOException("The connection was reset.");
        var failure = new IOException("The connection was reset.");
        using var plain = new HttpClient(new InlineHandler(_ => Failing(plainFailure)));
        using var eventing = new HttpClient(new EventingHandler(new InlineHandler(_ => Failing(failure))));
        using var plainRequest = new HttpRequestMessage(HttpMethod.Get, Url);
        using var request = new HttpRequestMessage(HttpMethod.Get, Url);
        var call = HttpCall.For(request);

        var expected = Assert.Throws<HttpRequestException>(() => plain.Send(plainRequest));
        var thrown = Assert.Throws<HttpRequestException>(() => eventing.Send(request));

        Assert.Equal(expected.Message, thrown.Message);
        Assert.Equal(expected.HttpRequestError, thrown.HttpRequestError);
        Assert.Same(plainFailure, expected.InnerException);
        Assert.Same(failure, thrown.InnerException);
        Assert.Same(thrown, call.Response.Error);
    }

    [Fact]
    public async Task ReadAfterAFailure_WhoseErrorListenerThrew_ThrowsTheFailureTheBodyClosedWith()
    {
        // The error listener's exception is thrown once, from the read that ended the call; the body closed with the
        // transport failure, and every later use of it throws that.
        var failure = new IOException("The connection was reset.");
        var listener = new ListenerException("error");
        var options = new EventingOptions { ListenerExceptionHandler = (_, _, _) => { } };
        var body = new ScriptedStream(false, ScriptedStream.Chunk(10), ScriptedStream.Fail(failure));
        var (call, _, response) = await SendAsync(body, length: 1000, options: options, configure: c => c.On(HttpEvents.Error, _ => throw listener));
        var stream = await response.Content.ReadAsStreamAsync();
        await stream.ReadExactlyAsync(new byte[10]).AsTask().WithTimeout();

        var first = await Assert.ThrowsAsync<ListenerException>(() => stream.ReadAsync(new byte[100]).AsTask()).WithTimeout();
        var second = await Assert.ThrowsAsync<IOException>(() => stream.ReadAsync(new byte[100]).AsTask()).WithTimeout();

        Assert.Same(listener, first);
        Assert.Same(failure, second);
        Assert.Same(failure, call.Response.Error);
    }

    [Fact]
    public async Task ReadAfterTheEnd_WhoseSuccessListenerThrew_ReturnsTheEndOfTheBody()
    {
        var listener = new ListenerException("success");
        var body = new ScriptedStream(false, ScriptedStream.Chunk(100));
        var (call, _, response) = await SendAsync(body, length: 100, configure: c => c.On(HttpEvents.Success, _ => throw listener));
        var stream = await response.Content.ReadAsStreamAsync();

        var first = await Assert.ThrowsAsync<ListenerException>(() => stream.ReadAsync(new byte[100]).AsTask()).WithTimeout();
        var after = await stream.ReadAsync(new byte[100]).AsTask().WithTimeout();

        Assert.Same(listener, first);
        Assert.Equal(0, after);
        Assert.Null(call.Response.Error);
        Assert.True(call.IsFinished);
    }

    [Fact]
    public async Task HttpData_ListenerThrowsThenTheErrorListenerThrows_ReadThrowsTheFirstAndTheSecondIsReported()
    {
        var first = new ListenerException("httpData");
        var second = new ListenerException("error");
        var reported = new List<Exception>();
        var options = new EventingOptions { ListenerExceptionHandler = (_, _, ex) => reported.Add(ex) };
        var body = new ScriptedStream(false, ScriptedStream.Chunk(10), ScriptedStream.Chunk(990));
        var (call, _, response) = await SendAsync(body, length: 1000, options: options, configure: c => c
            .On(HttpEvents.HttpData, _ => throw first)
            .On(HttpEvents.Error, _ => throw second));
        var stream = await response.Content.ReadAsStreamAsync();

        var thrown = await Assert.ThrowsAsync<ListenerException>(() => stream.ReadAsync(new byte[10]).AsTask()).WithTimeout();

        Assert.Same(first, thrown);
        Assert.Same(first, call.Response.Error);
        Assert.Contains(second, reported);
        Assert.True(call.IsFinished);
    }

    [Fact]
    public async Task HttpData_ListenerThrows_ReleasesTheTransportStreamBeforeTheResponseIsDisposed()
    {
        var body = new ScriptedStream(false, ScriptedStream.Chunk(10), ScriptedStream.Chunk(990));
        var (_, _, response) = await SendAsync(body, length: 1000, configure: c => c.On(HttpEvents.HttpData, _ => throw new ListenerException()));
        var stream = await response.Content.ReadAsStreamAsync();

        await Assert.ThrowsAsync<ListenerException>(() => stream.ReadAsync(new byte[10]).AsTask()).WithTimeout();

        Assert.True(body.Disposals > 0, "The transport's stream is released when a listener faults the body.");
    }

    [Fact]
    public async Task HttpDone_ListenerThrowsAndACompleteListenerThrows_ReadThrowsTheHttpDoneException()
    {
        var done = new ListenerException("httpDone");
        var complete = new ListenerException("complete");
        var body = new ScriptedStream(false, ScriptedStream.Chunk(100));
        var (call, recorder, response) = await SendAsync(body, length: 100, configure: c => c
            .On(HttpEvents.HttpDone, _ => throw done)
            .On(HttpEvents.Complete, _ => throw complete));
        var stream = await response.Content.ReadAsStreamAsync();

        var thrown = await Assert.ThrowsAsync<ListenerException>(() => stream.ReadAsync(new byte[100]).AsTask()).WithTimeout();

        Assert.Same(done, thrown);
        Assert.Same(done, call.Response.Error);
        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,httpDone,error,complete:True", recorder.Compact());
    }

    [Fact]
    public async Task HttpData_ListenerDisposesTheResponseOnTheLastChunk_TheCallEndsOnceAndNothingFollowsComplete()
    {
        HttpResponseMessage? held = null;
        var body = new ScriptedStream(false, ScriptedStream.Chunk(10), ScriptedStream.Chunk(90));
        var chunks = 0;
        var (call, recorder, response) = await SendAsync(body, length: 100, configure: c => c.On(HttpEvents.HttpData, _ =>
        {
            if (++chunks == 2)
            {
                held!.Dispose();
            }
        }));
        held = response;
        var stream = await response.Content.ReadAsStreamAsync();

        _ = Record.Exception(() => stream.ReadExactly(new byte[100]));

        var names = recorder.Names;
        Assert.True(call.IsFinished);
        Assert.Equal(1, recorder.Count("success") + recorder.Count("error"));
        Assert.Equal(1, recorder.Count("complete"));
        Assert.Equal("complete:True", names[^1]);
    }

    [Theory]
    [InlineData("dispose")]
    [InlineData("listener")]
    [InlineData("abort")]
    public async Task Timings_BodyClosedBeforeItsEnd_TheAttemptsTimingsEndThere(string how)
    {
        var body = new ScriptedStream(false, ScriptedStream.Chunk(10), ScriptedStream.Chunk(10), ScriptedStream.Chunk(980));
        TimeSpan? totalAtHeaders = TimeSpan.MaxValue;
        var (call, _, response) = await SendAsync(body, length: 1000, options: new EventingOptions { CollectTimings = true }, configure: c =>
        {
            c.On(HttpEvents.HttpHeaders, e => totalAtHeaders = e.Timings?.Total);
            if (how == "listener")
            {
                var chunks = 0;
                c.On(HttpEvents.HttpData, _ =>
                {
                    if (++chunks == 2)
                    {
                        throw new ListenerException();
                    }
                });
            }
        });
        var stream = await response.Content.ReadAsStreamAsync();
        await stream.ReadExactlyAsync(new byte[10]).AsTask().WithTimeout();

        switch (how)
        {
            case "dispose":
                response.Dispose();
                break;
            case "listener":
                await Assert.ThrowsAsync<ListenerException>(() => stream.ReadAsync(new byte[10]).AsTask()).WithTimeout();
                break;
            default:
                call.Abort();
                break;
        }

        Assert.Null(totalAtHeaders);
        Assert.True(call.IsFinished);
        Assert.NotNull(call.Response.Timings?.Total);
    }

    [Fact]
    public async Task Dispose_AfterTheBodyEnded_ALaterReadThrowsObjectDisposedAsAPlainStreamAndTheCallStaysASuccess()
    {
        var body = new ScriptedStream(false, ScriptedStream.Chunk(100));
        var (call, recorder, response) = await SendAsync(body, length: 100);
        var stream = await response.Content.ReadAsStreamAsync();
        await stream.ReadExactlyAsync(new byte[100]).AsTask().WithTimeout();
        var events = recorder.Compact();

        response.Dispose();
        stream.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => stream.ReadAsync(new byte[10]).AsTask()).WithTimeout();
        Assert.Null(call.Response.Error);
        Assert.True(call.Response.IsSuccess);
        Assert.Equal(events, recorder.Compact());
    }

    [Fact]
    public async Task Error_ListenerThrowsOnAMidBodyTransportFailure_ReadThrowsTheListenersExceptionAfterComplete()
    {
        var failure = new IOException("The connection was reset.");
        var listener = new ListenerException();
        var body = new ScriptedStream(false, ScriptedStream.Chunk(10), ScriptedStream.Fail(failure));
        var (call, recorder, response) = await SendAsync(body, length: 1000, configure: c => c.On(HttpEvents.Error, _ => throw listener));
        var stream = await response.Content.ReadAsStreamAsync();
        await stream.ReadExactlyAsync(new byte[10]).AsTask().WithTimeout();

        var thrown = await Assert.ThrowsAsync<ListenerException>(() => stream.ReadAsync(new byte[100]).AsTask()).WithTimeout();

        Assert.Same(listener, thrown);
        Assert.Same(failure, call.Response.Error);
        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,httpError,error,complete:True", recorder.Compact());
    }

    private static async Task<(HttpCall Call, EventRecorder Recorder, HttpResponseMessage Response)> SendAsync(
        Stream body, long? length, HttpStatusCode status = HttpStatusCode.OK, Action<HttpCall>? configure = null, EventingOptions? options = null)
    {
        var transport = new InlineHandler(_ =>
        {
            var content = new StreamContent(body);
            content.Headers.ContentLength = length;
            return new HttpResponseMessage(status) { Content = content };
        });
        var client = new HttpClient(options is null ? new EventingHandler(transport) : new EventingHandler(transport, options));
        var request = new HttpRequestMessage(HttpMethod.Get, Url);
        var call = HttpCall.For(request);
        var recorder = new EventRecorder(call);
        configure?.Invoke(call);
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WithTimeout();
        return (call, recorder, response);
    }
}
