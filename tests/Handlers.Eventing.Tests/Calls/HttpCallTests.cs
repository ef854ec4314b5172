using System.Net;
using Handlers.Eventing.Tests.Infrastructure;
using RichardSzalay.MockHttp;

namespace Handlers.Eventing.Tests.Calls;

/// <summary>Unit behaviour of <see cref="HttpCall"/> over in-memory transports (MockHttp and <see cref="InlineHandler"/>).</summary>
public class HttpCallTests
{
    private const string Url = "http://example.test/resource";

    private static HttpClient MockClient(HttpStatusCode status, byte[] body, EventingOptions? options = null)
    {
        var mock = new MockHttpMessageHandler();
        mock.When("*").Respond(_ => new HttpResponseMessage(status) { Content = new ByteArrayContent(body) });
        return new HttpClient(new EventingHandler(mock, options ?? new EventingOptions()));
    }

    private static HttpClient OkClient(string body = "hello") => MockClient(HttpStatusCode.OK, System.Text.Encoding.UTF8.GetBytes(body));

    private static async Task<HttpCall> SendBufferedAsync(HttpClient client, Action<HttpCall>? configure = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Url);
        var call = HttpCall.For(request);
        configure?.Invoke(call);
        using var response = await client.SendAsync(request).WithTimeout();
        return call;
    }

    [Fact]
    public async Task SendAsync_Buffered200_RaisesExactSequence()
    {
        using var client = OkClient();
        EventRecorder? recorder = null;

        await SendBufferedAsync(client, call => recorder = new EventRecorder(call));

        Assert.Equal(
            ["httpHeaders:200", "httpDownloadProgress", "httpData", "httpDone", "success", "complete:True"],
            recorder!.Names);
    }

    [Fact]
    public async Task SendAsync_ErrorStatus_RaisesBodyEventsThenError()
    {
        using var client = MockClient(HttpStatusCode.InternalServerError, [1, 2, 3]);
        EventRecorder? recorder = null;

        var call = await SendBufferedAsync(client, c => recorder = new EventRecorder(c));

        Assert.Equal(
            ["httpHeaders:500", "httpDownloadProgress", "httpData", "httpDone", "error", "complete:True"],
            recorder!.Names);
        var error = Assert.IsType<HttpRequestException>(call.Response.Error);
        Assert.Equal(HttpStatusCode.InternalServerError, error.StatusCode);
        Assert.Contains("500", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_ErrorStatus_ReturnsResponseUnchanged()
    {
        using var client = MockClient(HttpStatusCode.NotFound, "gone"u8.ToArray());
        using var request = new HttpRequestMessage(HttpMethod.Get, Url);
        var call = HttpCall.For(request);

        using var response = await client.SendAsync(request).WithTimeout();

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("gone", await response.Content.ReadAsStringAsync());
        Assert.Equal(4, response.Content.Headers.ContentLength);
        Assert.Same(response, call.Response.HttpResponse);
        Assert.False(call.Response.IsSuccess);
    }

    [Fact]
    public async Task SuccessPredicate_Custom_DecidesSuccessAndError()
    {
        var options = new EventingOptions { SuccessPredicate = r => r.StatusCode is HttpStatusCode.OK or HttpStatusCode.NotFound };
        using var notFound = MockClient(HttpStatusCode.NotFound, [1], options);
        using var created = MockClient(HttpStatusCode.Created, [1], options);

        var notFoundCall = await SendBufferedAsync(notFound);
        var createdCall = await SendBufferedAsync(created);

        Assert.Null(notFoundCall.Response.Error);
        Assert.True(notFoundCall.Response.IsSuccess);
        Assert.Equal(HttpStatusCode.Created, Assert.IsType<HttpRequestException>(createdCall.Response.Error).StatusCode);
    }

    [Fact]
    public void SuccessPredicate_Null_Throws() =>
        Assert.Throws<ArgumentNullException>(() => new EventingOptions { SuccessPredicate = null! });

    [Fact]
    public async Task SendAsync_EmptyBody_OneProgressEventZeroOfZeroThenHttpDone()
    {
        using var client = MockClient(HttpStatusCode.OK, []);
        EventRecorder? recorder = null;

        var call = await SendBufferedAsync(client, c => recorder = new EventRecorder(c));

        Assert.Equal(["httpHeaders:200", "httpDownloadProgress", "httpDone", "success", "complete:True"], recorder!.Names);
        Assert.Equal(new HttpProgress(0, 0, 1), Assert.Single(recorder.DownloadProgress));
        Assert.Equal(1d, recorder.DownloadProgress.Single().Fraction);
        Assert.Equal(0, call.Response.BytesReceived);
    }

    [Fact]
    public async Task SendAsync_EmptyBodyWithUnknownLength_ProgressZeroOfNull()
    {
        using var client = new HttpClient(new EventingHandler(InlineHandler.Generating(0)));
        EventRecorder? recorder = null;

        await SendBufferedAsync(client, c => recorder = new EventRecorder(c));

        Assert.Equal(["httpHeaders:200", "httpDownloadProgress", "httpDone", "success", "complete:True"], recorder!.Names);
        Assert.Equal(new HttpProgress(0, null, 1), Assert.Single(recorder.DownloadProgress));
    }

    [Fact]
    public async Task DownloadProgress_UnknownLength_TotalNullAndLoadedMonotonic()
    {
        const int length = 1024 * 1024 + 17;
        using var client = new HttpClient(new EventingHandler(InlineHandler.Generating(length)));
        EventRecorder? recorder = null;

        await SendBufferedAsync(client, c => recorder = new EventRecorder(c));

        var progress = recorder!.DownloadProgress.ToArray();
        Assert.True(progress.Length > 1, $"only {progress.Length} progress events");
        Assert.All(progress, p => Assert.Null(p.Total));
        Assert.All(progress, p => Assert.Null(p.Fraction));
        for (var i = 1; i < progress.Length; i++)
        {
            Assert.True(progress[i].Loaded > progress[i - 1].Loaded, $"Loaded went from {progress[i - 1].Loaded} to {progress[i].Loaded}");
        }

        Assert.Equal(length, progress[^1].Loaded);
        Assert.Equal(LoopbackServer.Pattern(length), recorder.Body.ToArray());
    }

    [Fact]
    public async Task DownloadProgress_KnownLength_FinalLoadedEqualsTotalAndChunksAddUp()
    {
        const int length = 3 * 1024 * 1024;
        using var client = new HttpClient(new EventingHandler(InlineHandler.Generating(length, declareLength: true)));
        var chunkSum = 0L;
        var progressBeforeChunk = new List<long>();
        EventRecorder? recorder = null;

        await SendBufferedAsync(client, c =>
        {
            recorder = new EventRecorder(c);
            c.On(HttpEvents.HttpDownloadProgress, p => progressBeforeChunk.Add(p.Loaded));
            c.On(HttpEvents.HttpData, e =>
            {
                chunkSum += e.Chunk.Length;

                // The progress event before a chunk already counts it.
                Assert.Equal(chunkSum, progressBeforeChunk[^1]);
            });
        });

        var progress = recorder!.DownloadProgress.ToArray();
        Assert.All(progress, p => Assert.Equal(length, p.Total));
        Assert.Equal(length, progress[^1].Loaded);
        Assert.Equal(1d, progress[^1].Fraction);
        Assert.Equal(length, chunkSum);
        Assert.Equal(recorder.Count("httpDownloadProgress"), recorder.Count("httpData"));
        Assert.Equal(LoopbackServer.Pattern(length), recorder.Body.ToArray());
    }

    [Fact]
    public async Task Events_Payloads_CarryCallAttemptAndResponse()
    {
        using var client = OkClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, Url);
        var call = HttpCall.For(request);
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

        using var response = await client.SendAsync(request).WithTimeout();

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

    [Fact]
    public async Task SendAsync_InnerHandlerResponse_SameObjectReturned()
    {
        var expected = new HttpResponseMessage(HttpStatusCode.Accepted) { Content = new StringContent("x"), ReasonPhrase = "Fine" };
        expected.Headers.Add("X-Custom", "1");
        using var client = new HttpClient(new EventingHandler(new InlineHandler(_ => expected)));

        using var response = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, Url)).WithTimeout();

        Assert.Same(expected, response);
        Assert.Equal("Fine", response.ReasonPhrase);
        Assert.Equal("1", Assert.Single(response.Headers.GetValues("X-Custom")));
        Assert.Equal("x", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task SendAsync_ContentHeaders_SameAsWithoutHandler()
    {
        static HttpResponseMessage Respond(HttpRequestMessage _)
        {
            var content = new StringContent("{\"a\":1}", System.Text.Encoding.UTF8, "application/json");
            content.Headers.ContentLanguage.Add("en");
            content.Headers.TryAddWithoutValidation("X-Content-Extra", "yes");
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = content };
        }

        using var bare = new HttpClient(new InlineHandler(Respond));
        using var client = new HttpClient(new EventingHandler(new InlineHandler(Respond)));

        using var expected = await bare.GetAsync(Url).WithTimeout();
        using var actual = await client.GetAsync(Url).WithTimeout();

        Assert.Equal(expected.Content.Headers.ContentLength, actual.Content.Headers.ContentLength);
        Assert.Equal(
            expected.Content.Headers.Select(h => $"{h.Key}={string.Join(",", h.Value)}").Order(),
            actual.Content.Headers.Select(h => $"{h.Key}={string.Join(",", h.Value)}").Order());
        Assert.Equal(await expected.Content.ReadAsStringAsync(), await actual.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task SendAsync_TransportThrows_HttpErrorThenErrorAndSameException()
    {
        var thrown = new HttpRequestException("boom");
        var mock = new MockHttpMessageHandler();
        mock.When("*").Throw(thrown);
        using var client = new HttpClient(new EventingHandler(mock));
        using var request = new HttpRequestMessage(HttpMethod.Get, Url);
        var recorder = new EventRecorder(HttpCall.For(request));

        var actual = await Assert.ThrowsAsync<HttpRequestException>(() => client.SendAsync(request)).WithTimeout();

        Assert.Same(thrown, actual);
        Assert.Equal(["httpError", "error", "complete:True"], recorder.Names);
        Assert.Same(thrown, recorder.HttpErrors.Single());
        Assert.Same(thrown, recorder.Call.Response.Error);
        Assert.Null(recorder.Call.Response.StatusCode);
        Assert.Null(recorder.Call.Response.HttpResponse);
    }

    [Fact]
    public async Task SendAsync_TransportThrowsCancellation_NoHttpError()
    {
        var mock = new MockHttpMessageHandler();
        mock.When("*").Throw(new OperationCanceledException("cancelled below"));
        using var client = new HttpClient(new EventingHandler(mock));
        using var request = new HttpRequestMessage(HttpMethod.Get, Url);
        var recorder = new EventRecorder(HttpCall.For(request));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.SendAsync(request)).WithTimeout();

        Assert.Equal(["error", "complete:True"], recorder.Names);
        Assert.IsAssignableFrom<OperationCanceledException>(recorder.Call.Response.Error);
    }

    [Fact]
    public async Task On_SuccessAfterSuccess_RunsOnceSynchronouslyWithSameResponse()
    {
        using var client = OkClient();
        var call = await SendBufferedAsync(client);
        var thread = Environment.CurrentManagedThreadId;
        var seen = new List<(HttpCallResponse Response, int Thread)>();

        call.On(HttpEvents.Success, r => seen.Add((r, Environment.CurrentManagedThreadId)));

        var (response, listenerThread) = Assert.Single(seen);
        Assert.Same(call.Response, response);
        Assert.Equal(thread, listenerThread);
        Assert.Equal(0, call.ListenerCount(HttpEvents.Success));
    }

    [Fact]
    public async Task On_CompleteAfterEnd_RunsOnceWithFinishedTrue()
    {
        using var client = OkClient();
        var call = await SendBufferedAsync(client);
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

    [Fact]
    public async Task On_ErrorAfterSuccess_NeverRuns()
    {
        using var client = OkClient();
        var call = await SendBufferedAsync(client);
        var runs = 0;

        call.On(HttpEvents.Error, _ => runs++);

        Assert.Equal(0, runs);
    }

    [Fact]
    public async Task On_ErrorAfterError_RunsOnceAndSuccessNever()
    {
        using var client = MockClient(HttpStatusCode.BadGateway, [1]);
        var call = await SendBufferedAsync(client);
        var errors = new List<HttpCallResponse>();
        var successes = 0;

        call.On(HttpEvents.Error, errors.Add).On(HttpEvents.Success, _ => successes++);

        Assert.Same(call.Response, Assert.Single(errors));
        Assert.Equal(0, successes);
    }

    [Fact]
    public async Task On_LateListenerThrows_ThrowsOutOfRegisteringCall()
    {
        using var client = OkClient();
        var call = await SendBufferedAsync(client);
        var thrown = new ListenerException();

        var actual = Assert.Throws<ListenerException>(() => call.On(HttpEvents.Complete, _ => throw thrown));

        Assert.Same(thrown, actual);
    }

    [Fact]
    public async Task On_PerAttemptEventAfterEnd_IsStoredAndNotRun()
    {
        using var client = OkClient();
        var call = await SendBufferedAsync(client);
        var runs = 0;

        call.On(HttpEvents.HttpDone, _ => runs++);

        Assert.Equal(0, runs);
        Assert.Equal(1, call.ListenerCount(HttpEvents.HttpDone));
    }

    [Fact]
    public async Task IsFinished_InsideTerminalEvents_FalseInSuccessTrueInComplete()
    {
        using var client = OkClient();
        bool? inSuccess = null, inComplete = null, inDone = null;

        var call = await SendBufferedAsync(client, c => c
            .On(HttpEvents.HttpDone, r => inDone = r.Call.IsFinished)
            .On(HttpEvents.Success, r => inSuccess = r.Call.IsFinished)
            .On(HttpEvents.Complete, r => inComplete = r.Call.IsFinished));

        Assert.False(inDone);
        Assert.False(inSuccess);
        Assert.True(inComplete);
        Assert.True(call.IsFinished);
    }

    [Fact]
    public async Task IsFinished_InsideError_False()
    {
        using var client = MockClient(HttpStatusCode.InternalServerError, [1]);
        bool? inError = null;

        await SendBufferedAsync(client, c => c.On(HttpEvents.Error, r => inError = r.Call.IsFinished));

        Assert.False(inError);
    }

    [Fact]
    public async Task Completion_InsideCompleteListener_NotYetCompleted()
    {
        using var client = OkClient();
        var completedInside = new List<bool>();
        Task<HttpCallResponse>? before = null;

        var call = await SendBufferedAsync(client, c =>
        {
            before = c.Completion;
            c.On(HttpEvents.Complete, r => completedInside.Add(r.Call.Completion.IsCompleted))
             .On(HttpEvents.Complete, r => completedInside.Add(r.Call.Completion.IsCompleted));
        });

        Assert.Equal([false, false], completedInside);
        Assert.Same(call.Response, await before!.WithTimeout());
        Assert.Same(call.Response, await call.Completion.WithTimeout());
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

    [Fact]
    public async Task Completion_TransportFailure_CompletesWithoutFaulting()
    {
        var mock = new MockHttpMessageHandler();
        mock.When("*").Throw(new HttpRequestException("boom"));
        using var client = new HttpClient(new EventingHandler(mock));
        using var request = new HttpRequestMessage(HttpMethod.Get, Url);
        var call = HttpCall.For(request);
        var completion = call.Completion;

        await Assert.ThrowsAsync<HttpRequestException>(() => client.SendAsync(request)).WithTimeout();

        var result = await completion.WithTimeout();
        Assert.Equal(TaskStatus.RanToCompletion, completion.Status);
        Assert.Same(call.Response, result);
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

    [Fact]
    public async Task SendAsync_NoCallAttached_HandlerCreatesOne()
    {
        using var client = OkClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, Url);

        using var response = await client.SendAsync(request).WithTimeout();

        var call = HttpCall.For(request);
        Assert.True(call.IsFinished);
        Assert.Same(response, call.Response.HttpResponse);
        Assert.True(call.Response.IsSuccess);
    }

    [Fact]
    public async Task SendAsync_SyncSend_SameSequenceAsAsync()
    {
        using var client = new HttpClient(new EventingHandler(InlineHandler.Generating(100_000, declareLength: true)));
        using var request = new HttpRequestMessage(HttpMethod.Get, Url);
        var recorder = new EventRecorder(HttpCall.For(request));

        using var response = client.Send(request);

        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,httpDone,success,complete:True", recorder.Compact());
        Assert.Equal(LoopbackServer.Pattern(100_000), await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task HttpData_SyncRead_RaisedOnReadingThread()
    {
        using var client = new HttpClient(new EventingHandler(InlineHandler.Generating(200_000)));
        using var request = new HttpRequestMessage(HttpMethod.Get, Url);
        var threads = new HashSet<int>();
        var call = HttpCall.For(request)
            .On(HttpEvents.HttpData, _ => threads.Add(Environment.CurrentManagedThreadId))
            .On(HttpEvents.HttpDownloadProgress, _ => threads.Add(Environment.CurrentManagedThreadId))
            .On(HttpEvents.Complete, _ => threads.Add(Environment.CurrentManagedThreadId));

        var readerThread = await Task.Factory.StartNew(
            () =>
            {
                using var response = client.Send(request, HttpCompletionOption.ResponseHeadersRead);
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

    [Fact]
    public async Task Error_IsNotTheEmitterErrorEvent_NoListenerNeededAndErrorEventNotRaised()
    {
        var mock = new MockHttpMessageHandler();
        mock.When("*").Throw(new HttpRequestException("boom"));
        using var client = new HttpClient(new EventingHandler(mock));
        using var request = new HttpRequestMessage(HttpMethod.Get, Url);
        var emitterErrors = 0;
        var call = HttpCall.For(request);
        call.On(EventEmitter.ErrorEvent, _ => emitterErrors++);

        await Assert.ThrowsAsync<HttpRequestException>(() => client.SendAsync(request)).WithTimeout();

        Assert.NotSame(EventEmitter.ErrorEvent, HttpEvents.Error);
        Assert.Equal(0, emitterErrors);
        Assert.True(call.IsFinished);
    }

    [Fact]
    public async Task Error_NoListenerOnErrorStatus_SendReturnsNormally()
    {
        using var client = MockClient(HttpStatusCode.ServiceUnavailable, [1]);
        using var request = new HttpRequestMessage(HttpMethod.Get, Url);

        using var response = await client.SendAsync(request).WithTimeout();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.IsType<HttpRequestException>(HttpCall.For(request).Response.Error);
    }

    [Fact]
    public async Task SendAsync_EmptyBodyWithContentLength0_EndsAtTheHeaders()
    {
        using var client = MockClient(HttpStatusCode.OK, []);
        using var request = new HttpRequestMessage(HttpMethod.Get, Url);
        var recorder = new EventRecorder(HttpCall.For(request));
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WithTimeout();
        Assert.True(recorder.Call.IsFinished);

        response.Dispose();

        Assert.Equal(["httpHeaders:200", "httpDownloadProgress", "httpDone", "success", "complete:True"], recorder.Names);
    }

    [Fact]
    public async Task HttpData_ListenerAddedMidBody_ReceivesFromTheNextChunk()
    {
        using var client = new HttpClient(new EventingHandler(InlineHandler.Generating(100_000)));
        using var request = new HttpRequestMessage(HttpMethod.Get, Url);
        var call = HttpCall.For(request);
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WithTimeout();
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
