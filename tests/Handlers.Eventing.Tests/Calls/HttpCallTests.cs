using System.Net;
using Handlers.Eventing.Tests.Infrastructure;

namespace Handlers.Eventing.Tests.Calls;

/// <summary>Unit behaviour of <see cref="HttpCall"/> over in-memory transports (MockHttp and <see cref="InlineHandler"/>).</summary>
public class HttpCallTests
{
    private const string Url = CallUnderTest.InMemoryUrl;

    private static HttpMessageHandler Ok() => MockTransport.Responding("hello"u8.ToArray());

    /// <summary>Sends a GET over <paramref name="transport"/> and reads its body into the buffer, then disposes the response.</summary>
    private static async Task<CallUnderTest> SendBufferedAsync(
        HttpMessageHandler transport, PipelineShape shape, Action<HttpCall>? listen = null, EventingOptions? options = null, bool record = false)
    {
        var sut = CallUnderTest.InMemory(transport, shape, options: options, listen: listen, record: record);
        using var response = await sut.SendAsync().WithTimeout();
        return sut;
    }

    [Theory]
    [PipelineShapes]
    public async Task SendAsync_Buffered200_RaisesExactSequence(PipelineShape shape)
    {
        using var sut = await SendBufferedAsync(Ok(), shape, record: true);

        Assert.Equal(
            ["httpHeaders:200", "httpDownloadProgress", "httpData", "httpDone", "success", "complete:True"],
            sut.Recorder.Names);
    }

    [Theory]
    [PipelineShapes]
    public async Task SendAsync_ErrorStatus_RaisesBodyEventsThenError(PipelineShape shape)
    {
        using var sut = await SendBufferedAsync(MockTransport.Responding([1, 2, 3], HttpStatusCode.InternalServerError), shape, record: true);

        Assert.Equal(
            ["httpHeaders:500", "httpDownloadProgress", "httpData", "httpDone", "error", "complete:True"],
            sut.Recorder.Names);
        var error = Assert.IsType<HttpRequestException>(sut.Call.Response.Error);
        Assert.Equal(HttpStatusCode.InternalServerError, error.StatusCode);
        Assert.Contains("500", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [PipelineShapes]
    public async Task SendAsync_ErrorStatus_ReturnsResponseUnchanged(PipelineShape shape)
    {
        using var sut = CallUnderTest.InMemory(MockTransport.Responding("gone"u8.ToArray(), HttpStatusCode.NotFound), shape, record: false);

        using var response = await sut.SendAsync().WithTimeout();

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("gone", await response.Content.ReadAsStringAsync());
        Assert.Equal(4, response.Content.Headers.ContentLength);
        Assert.Same(response, sut.Call.Response.HttpResponse);
        Assert.False(sut.Call.Response.IsSuccess);
    }

    [Theory]
    [PipelineShapes]
    public async Task SuccessPredicate_Custom_DecidesSuccessAndError(PipelineShape shape)
    {
        var options = new EventingOptions { SuccessPredicate = r => r.StatusCode is HttpStatusCode.OK or HttpStatusCode.NotFound };

        using var notFound = await SendBufferedAsync(MockTransport.Responding([1], HttpStatusCode.NotFound), shape, options: options);
        using var created = await SendBufferedAsync(MockTransport.Responding([1], HttpStatusCode.Created), shape, options: options);

        Assert.Null(notFound.Call.Response.Error);
        Assert.True(notFound.Call.Response.IsSuccess);
        Assert.Equal(HttpStatusCode.Created, Assert.IsType<HttpRequestException>(created.Call.Response.Error).StatusCode);
    }

    [Fact]
    public void SuccessPredicate_Null_Throws() =>
        Assert.Throws<ArgumentNullException>(() => new EventingOptions { SuccessPredicate = null! });

    [Theory]
    [PipelineShapes]
    public async Task SendAsync_EmptyBody_OneProgressEventZeroOfZeroThenHttpDone(PipelineShape shape)
    {
        using var sut = await SendBufferedAsync(MockTransport.Responding([]), shape, record: true);

        Assert.Equal(["httpHeaders:200", "httpDownloadProgress", "httpDone", "success", "complete:True"], sut.Recorder.Names);
        Assert.Equal(new HttpProgress(0, 0, 1), Assert.Single(sut.Recorder.DownloadProgress));
        Assert.Equal(1d, sut.Recorder.DownloadProgress.Single().Fraction);
        Assert.Equal(0, sut.Call.Response.BytesReceived);
    }

    [Theory]
    [PipelineShapes]
    public async Task SendAsync_EmptyBodyWithUnknownLength_ProgressZeroOfNull(PipelineShape shape)
    {
        using var sut = await SendBufferedAsync(InlineHandler.Generating(0), shape, record: true);

        Assert.Equal(["httpHeaders:200", "httpDownloadProgress", "httpDone", "success", "complete:True"], sut.Recorder.Names);
        Assert.Equal(new HttpProgress(0, null, 1), Assert.Single(sut.Recorder.DownloadProgress));
    }

    [Theory]
    [PipelineShapes]
    public async Task DownloadProgress_UnknownLength_TotalNullAndLoadedMonotonic(PipelineShape shape)
    {
        const int length = 1024 * 1024 + 17;
        using var sut = await SendBufferedAsync(InlineHandler.Generating(length), shape, record: true);

        var progress = sut.Recorder.DownloadProgress.ToArray();
        Assert.True(progress.Length > 1, $"only {progress.Length} progress events");
        Assert.All(progress, p => Assert.Null(p.Total));
        Assert.All(progress, p => Assert.Null(p.Fraction));
        for (var i = 1; i < progress.Length; i++)
        {
            Assert.True(progress[i].Loaded > progress[i - 1].Loaded, $"Loaded went from {progress[i - 1].Loaded} to {progress[i].Loaded}");
        }

        Assert.Equal(length, progress[^1].Loaded);
        Assert.Equal(LoopbackServer.Pattern(length), sut.Recorder.Body.ToArray());
    }

    [Theory]
    [PipelineShapes]
    public async Task DownloadProgress_KnownLength_FinalLoadedEqualsTotalAndChunksAddUp(PipelineShape shape)
    {
        const int length = 3 * 1024 * 1024;
        var chunkSum = 0L;
        var progressBeforeChunk = new List<long>();

        using var sut = await SendBufferedAsync(InlineHandler.Generating(length, declareLength: true), shape, record: true, listen: c =>
        {
            c.On(HttpEvents.HttpDownloadProgress, p => progressBeforeChunk.Add(p.Loaded));
            c.On(HttpEvents.HttpData, e =>
            {
                chunkSum += e.Chunk.Length;

                // The progress event before a chunk already counts it.
                Assert.Equal(chunkSum, progressBeforeChunk[^1]);
            });
        });

        var progress = sut.Recorder.DownloadProgress.ToArray();
        Assert.All(progress, p => Assert.Equal(length, p.Total));
        Assert.Equal(length, progress[^1].Loaded);
        Assert.Equal(1d, progress[^1].Fraction);
        Assert.Equal(length, chunkSum);
        Assert.Equal(sut.Recorder.Count("httpDownloadProgress"), sut.Recorder.Count("httpData"));
        Assert.Equal(LoopbackServer.Pattern(length), sut.Recorder.Body.ToArray());
    }

    [Theory]
    [PipelineShapes]
    public async Task Events_Payloads_CarryCallAttemptAndResponse(PipelineShape shape)
    {
        using var sut = CallUnderTest.InMemory(Ok(), shape, record: false);
        var call = sut.Call;
        HttpHeadersEvent? headers = null;
        HttpDataEvent? data = null;
        HttpProgress? progress = null;
        HttpCallResponse? done = null, success = null, complete = null;
        call.On(HttpEvents.HttpHeaders, e => headers = e)
            .On(HttpEvents.HttpData, e => data = e)
            .On(HttpEvents.HttpDownloadProgress, p => progress = p)
            .On(HttpEvents.HttpDone, r => done = r)
            .On(HttpEvents.Success, r => success = r)
            .On(HttpEvents.Complete, r => complete = r);

        using var response = await sut.SendAsync().WithTimeout();

        Assert.Same(response, headers!.Response);
        Assert.Same(call, headers.Call);
        Assert.Equal(HttpStatusCode.OK, headers.StatusCode);
        Assert.Equal(1, headers.Attempt);
        Assert.Same(call, data!.Value.Call);
        Assert.Equal(1, data.Value.Attempt);
        Assert.Equal(new HttpProgress(5, 5, 1), progress);
        Assert.Same(call.Response, done);
        Assert.Same(call.Response, success);
        Assert.Same(call.Response, complete);
        Assert.Same(call, call.Response.Call);
        Assert.Same(call.Response, await call.Completion.WithTimeout());
    }

    [Theory]
    [PipelineShapes]
    public async Task SendAsync_InnerHandlerResponse_SameObjectReturned(PipelineShape shape)
    {
        var expected = new HttpResponseMessage(HttpStatusCode.Accepted) { Content = new StringContent("x"), ReasonPhrase = "Fine" };
        expected.Headers.Add("X-Custom", "1");
        using var sut = CallUnderTest.InMemory(new InlineHandler(_ => expected), shape, record: false);

        using var response = await sut.SendAsync().WithTimeout();

        Assert.Same(expected, response);
        Assert.Equal("Fine", response.ReasonPhrase);
        Assert.Equal("1", Assert.Single(response.Headers.GetValues("X-Custom")));
        Assert.Equal("x", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [PipelineShapes]
    public async Task SendAsync_ContentHeaders_SameAsWithoutHandler(PipelineShape shape)
    {
        static HttpResponseMessage Respond(HttpRequestMessage _)
        {
            var content = new StringContent("{\"a\":1}", System.Text.Encoding.UTF8, "application/json");
            content.Headers.ContentLanguage.Add("en");
            content.Headers.TryAddWithoutValidation("X-Content-Extra", "yes");
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = content };
        }

        using var bare = new HttpClient(new InlineHandler(Respond));
        using var sut = CallUnderTest.InMemory(new InlineHandler(Respond), shape, record: false);

        using var expected = await bare.GetAsync(Url).WithTimeout();
        using var actual = await sut.SendAsync().WithTimeout();

        Assert.Equal(expected.Content.Headers.ContentLength, actual.Content.Headers.ContentLength);
        Assert.Equal(
            expected.Content.Headers.Select(h => $"{h.Key}={string.Join(",", h.Value)}").Order(),
            actual.Content.Headers.Select(h => $"{h.Key}={string.Join(",", h.Value)}").Order());
        Assert.Equal(await expected.Content.ReadAsStringAsync(), await actual.Content.ReadAsStringAsync());
    }

    [Theory]
    [PipelineShapes]
    public async Task SendAsync_TransportThrows_HttpErrorThenErrorAndSameException(PipelineShape shape)
    {
        var thrown = new HttpRequestException("boom");
        using var sut = CallUnderTest.InMemory(MockTransport.Throwing(thrown), shape);

        var actual = await Assert.ThrowsAsync<HttpRequestException>(() => sut.SendAsync()).WithTimeout();

        Assert.Same(thrown, actual);
        Assert.Equal(["httpError", "error", "complete:True"], sut.Recorder.Names);
        Assert.Same(thrown, sut.Recorder.HttpErrors.Single());
        Assert.Same(thrown, sut.Call.Response.Error);
        Assert.Null(sut.Call.Response.StatusCode);
        Assert.Null(sut.Call.Response.HttpResponse);
    }

    [Theory]
    [PipelineShapes]
    public async Task SendAsync_TransportThrowsCancellation_NoHttpError(PipelineShape shape)
    {
        using var sut = CallUnderTest.InMemory(MockTransport.Throwing(new OperationCanceledException("cancelled below")), shape);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sut.SendAsync()).WithTimeout();

        Assert.Equal(["error", "complete:True"], sut.Recorder.Names);
        Assert.IsAssignableFrom<OperationCanceledException>(sut.Call.Response.Error);
    }

    [Theory]
    [PipelineShapes]
    public async Task On_SuccessAfterSuccess_RunsOnceSynchronouslyWithSameResponse(PipelineShape shape)
    {
        using var sut = await SendBufferedAsync(Ok(), shape);
        var call = sut.Call;
        var thread = Environment.CurrentManagedThreadId;
        var seen = new List<(HttpCallResponse Response, int Thread)>();

        call.On(HttpEvents.Success, r => seen.Add((r, Environment.CurrentManagedThreadId)));

        var (response, listenerThread) = Assert.Single(seen);
        Assert.Same(call.Response, response);
        Assert.Equal(thread, listenerThread);
        Assert.Equal(0, call.ListenerCount(HttpEvents.Success));
    }

    [Theory]
    [PipelineShapes]
    public async Task On_CompleteAfterEnd_RunsOnceWithFinishedTrue(PipelineShape shape)
    {
        using var sut = await SendBufferedAsync(Ok(), shape);
        var call = sut.Call;
        var runs = 0;
        var finished = false;

        call.On(HttpEvents.Complete, r =>
        {
            runs++;
            finished = r.Call.IsFinished;
        });
        call.Once(HttpEvents.Complete, _ => runs++);
        call.PrependListener(HttpEvents.Complete, _ => runs++);

        Assert.Equal(3, runs);
        Assert.True(finished);
    }

    [Theory]
    [PipelineShapes]
    public async Task On_ErrorAfterSuccess_NeverRuns(PipelineShape shape)
    {
        using var sut = await SendBufferedAsync(Ok(), shape);
        var call = sut.Call;
        var runs = 0;

        call.On(HttpEvents.Error, _ => runs++);

        Assert.Equal(0, runs);
    }

    [Theory]
    [PipelineShapes]
    public async Task On_ErrorAfterError_RunsOnceAndSuccessNever(PipelineShape shape)
    {
        using var sut = await SendBufferedAsync(MockTransport.Responding([1], HttpStatusCode.BadGateway), shape);
        var call = sut.Call;
        var errors = new List<HttpCallResponse>();
        var successes = 0;

        call.On(HttpEvents.Error, errors.Add).On(HttpEvents.Success, _ => successes++);

        Assert.Same(call.Response, Assert.Single(errors));
        Assert.Equal(0, successes);
    }

    [Theory]
    [PipelineShapes]
    public async Task On_LateListenerThrows_ThrowsOutOfRegisteringCall(PipelineShape shape)
    {
        using var sut = await SendBufferedAsync(Ok(), shape);
        var call = sut.Call;
        var thrown = new ListenerException();

        var actual = Assert.Throws<ListenerException>(() => call.On(HttpEvents.Complete, _ => throw thrown));

        Assert.Same(thrown, actual);
    }

    [Theory]
    [PipelineShapes]
    public async Task On_PerAttemptEventAfterEnd_IsStoredAndNotRun(PipelineShape shape)
    {
        using var sut = await SendBufferedAsync(Ok(), shape);
        var call = sut.Call;
        var runs = 0;

        call.On(HttpEvents.HttpDone, _ => runs++);

        Assert.Equal(0, runs);
        Assert.Equal(1, call.ListenerCount(HttpEvents.HttpDone));
    }

    [Theory]
    [PipelineShapes]
    public async Task IsFinished_InsideTerminalEvents_FalseInSuccessTrueInComplete(PipelineShape shape)
    {
        bool? inSuccess = null, inComplete = null, inDone = null;

        using var sut = await SendBufferedAsync(Ok(), shape, c => c
            .On(HttpEvents.HttpDone, r => inDone = r.Call.IsFinished)
            .On(HttpEvents.Success, r => inSuccess = r.Call.IsFinished)
            .On(HttpEvents.Complete, r => inComplete = r.Call.IsFinished));

        Assert.False(inDone);
        Assert.False(inSuccess);
        Assert.True(inComplete);
        Assert.True(sut.Call.IsFinished);
    }

    [Theory]
    [PipelineShapes]
    public async Task IsFinished_InsideError_False(PipelineShape shape)
    {
        bool? inError = null;

        using var sut = await SendBufferedAsync(MockTransport.Responding([1], HttpStatusCode.InternalServerError), shape, c => c.On(HttpEvents.Error, r => inError = r.Call.IsFinished));

        Assert.False(inError);
    }

    [Theory]
    [PipelineShapes]
    public async Task Completion_InsideCompleteListener_NotYetCompleted(PipelineShape shape)
    {
        var completedInside = new List<bool>();
        Task<HttpCallResponse>? before = null;

        using var sut = await SendBufferedAsync(Ok(), shape, c =>
        {
            before = c.Completion;
            c.On(HttpEvents.Complete, r => completedInside.Add(r.Call.Completion.IsCompleted))
             .On(HttpEvents.Complete, r => completedInside.Add(r.Call.Completion.IsCompleted));
        });

        Assert.Equal([false, false], completedInside);
        Assert.Same(sut.Call.Response, await before!.WithTimeout());
        Assert.Same(sut.Call.Response, await sut.Call.Completion.WithTimeout());
    }

    [Fact]
    public void Completion_BeforeSend_NotCompleted()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Url);
        var call = HttpCall.For(request);

        Assert.False(call.Completion.IsCompleted);
        Assert.False(call.IsFinished);
        Assert.Null(call.Response.Error);
        Assert.False(call.Response.IsSuccess);
        Assert.Contains("not sent", call.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [PipelineShapes]
    public async Task Completion_TransportFailure_CompletesWithoutFaulting(PipelineShape shape)
    {
        using var sut = CallUnderTest.InMemory(MockTransport.Throwing(new HttpRequestException("boom")), shape, record: false);
        var completion = sut.Call.Completion;

        await Assert.ThrowsAsync<HttpRequestException>(() => sut.SendAsync()).WithTimeout();

        var result = await completion.WithTimeout();
        Assert.Equal(TaskStatus.RanToCompletion, completion.Status);
        Assert.Same(sut.Call.Response, result);
        Assert.IsType<HttpRequestException>(result.Error);
    }

    [Fact]
    public void Registration_Chaining_ReturnsTheCall()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Url);
        var call = HttpCall.For(request);
        Action<HttpCallResponse> listener = _ => { };

        Assert.Same(call, call.On(HttpEvents.Success, listener));
        Assert.Same(call, call.Once(HttpEvents.Error, listener));
        Assert.Same(call, call.PrependListener(HttpEvents.Complete, listener));
        Assert.Same(call, call.PrependOnceListener(HttpEvents.HttpDone, listener));
        Assert.Same(call, call.Off(HttpEvents.Success, listener));
        Assert.Same(call, call.RemoveAllListeners(HttpEvents.Error));
        Assert.Same(call, call.RemoveAllListeners());
        Assert.Empty(call.EventNames());
    }

    [Fact]
    public void For_SameRequest_ReturnsSameObject()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Url);

        var first = HttpCall.For(request);

        Assert.Same(first, HttpCall.For(request));
        Assert.Same(request, first.Request);
        Assert.NotSame(first, HttpCall.For(new HttpRequestMessage(HttpMethod.Get, Url)));
    }

    [Fact]
    public void For_Null_Throws() => Assert.Throws<ArgumentNullException>(() => HttpCall.For(null!));

    [Theory]
    [PipelineShapes]
    public async Task SendAsync_NoCallAttached_HandlerCreatesOne(PipelineShape shape)
    {
        // Not CallUnderTest: it attaches the call before the send, which is what this test leaves out.
        using var client = new HttpClient(EventingPipeline.Create(Ok(), shape));
        using var request = new HttpRequestMessage(HttpMethod.Get, Url);

        using var response = await client.SendAsync(request).WithTimeout();

        var call = HttpCall.For(request);
        Assert.True(call.IsFinished);
        Assert.Same(response, call.Response.HttpResponse);
        Assert.True(call.Response.IsSuccess);
    }

    [Theory]
    [PipelineShapes]
    public async Task SendAsync_SyncSend_SameSequenceAsAsync(PipelineShape shape)
    {
        using var sut = CallUnderTest.InMemory(InlineHandler.Generating(100_000, declareLength: true), shape);

        using var response = sut.Client.Send(sut.Request);

        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,httpDone,success,complete:True", sut.Recorder.Compact());
        Assert.Equal(LoopbackServer.Pattern(100_000), await response.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [PipelineShapes]
    public async Task HttpData_SyncRead_RaisedOnReadingThread(PipelineShape shape)
    {
        using var sut = CallUnderTest.InMemory(InlineHandler.Generating(200_000), shape, record: false);
        var threads = new HashSet<int>();
        var call = sut.Call
            .On(HttpEvents.HttpData, _ => threads.Add(Environment.CurrentManagedThreadId))
            .On(HttpEvents.HttpDownloadProgress, _ => threads.Add(Environment.CurrentManagedThreadId))
            .On(HttpEvents.Complete, _ => threads.Add(Environment.CurrentManagedThreadId));

        var readerThread = await Task.Factory.StartNew(
            () =>
            {
                using var response = sut.Client.Send(sut.Request, HttpCompletionOption.ResponseHeadersRead);
                using var stream = response.Content.ReadAsStream();
                var buffer = new byte[4096];
                while (stream.Read(buffer) > 0)
                {
                }

                return Environment.CurrentManagedThreadId;
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default).WithTimeout();

        Assert.Equal(readerThread, Assert.Single(threads));
        Assert.True(call.Response.IsSuccess);
    }

    [Theory]
    [PipelineShapes]
    public async Task Error_IsNotTheEmitterErrorEvent_NoListenerNeededAndErrorEventNotRaised(PipelineShape shape)
    {
        using var sut = CallUnderTest.InMemory(MockTransport.Throwing(new HttpRequestException("boom")), shape, record: false);
        var emitterErrors = 0;
        var call = sut.Call;
        call.On(EventEmitter.ErrorEvent, _ => emitterErrors++);

        await Assert.ThrowsAsync<HttpRequestException>(() => sut.SendAsync()).WithTimeout();

        Assert.NotSame(EventEmitter.ErrorEvent, HttpEvents.Error);
        Assert.Equal(0, emitterErrors);
        Assert.True(call.IsFinished);
    }

    [Theory]
    [PipelineShapes]
    public async Task Error_NoListenerOnErrorStatus_SendReturnsNormally(PipelineShape shape)
    {
        using var sut = CallUnderTest.InMemory(MockTransport.Responding([1], HttpStatusCode.ServiceUnavailable), shape, record: false);

        using var response = await sut.SendAsync().WithTimeout();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.IsType<HttpRequestException>(HttpCall.For(sut.Request).Response.Error);
    }

    [Theory]
    [PipelineShapes]
    public async Task SendAsync_EmptyBodyWithContentLength0_EndsAtTheHeaders(PipelineShape shape)
    {
        using var sut = CallUnderTest.InMemory(MockTransport.Responding([]), shape);
        var response = await sut.SendAsync(HttpCompletionOption.ResponseHeadersRead).WithTimeout();
        Assert.True(sut.Call.IsFinished);

        response.Dispose();

        Assert.Equal(["httpHeaders:200", "httpDownloadProgress", "httpDone", "success", "complete:True"], sut.Recorder.Names);
    }

    [Theory]
    [PipelineShapes]
    public async Task HttpData_ListenerAddedMidBody_ReceivesFromTheNextChunk(PipelineShape shape)
    {
        using var sut = CallUnderTest.InMemory(InlineHandler.Generating(100_000), shape, record: false);
        var call = sut.Call;
        using var response = await sut.SendAsync(HttpCompletionOption.ResponseHeadersRead).WithTimeout();
        await using var stream = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[10_000];
        await stream.ReadExactlyAsync(buffer).AsTask().WithTimeout();
        long seen = 0;

        call.On(HttpEvents.HttpData, e => seen += e.Chunk.Length);
        await stream.CopyToAsync(Stream.Null).WithTimeout();

        Assert.Equal(90_000, seen);
        Assert.True(call.Response.IsSuccess);
    }
}
