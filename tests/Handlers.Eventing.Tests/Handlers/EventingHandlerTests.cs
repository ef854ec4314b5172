using System.Net;
using Handlers.Eventing.Tests.Infrastructure;

namespace Handlers.Eventing.Tests.Handlers;

public class EventingHandlerTests
{
    private static HttpClient NewClient() => new(new EventingHandler(new SocketsHttpHandler()));

    [Fact]
    public async Task GetAsync_Buffered200_RaisesFullSequenceAndBytes()
    {
        var server = await LoopbackServer.Shared;
        using var client = NewClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url("bytes/100000?chunk=8192"));
        var recorder = new EventRecorder(HttpCall.For(request));

        using var response = await client.SendAsync(request).WithTimeout();
        var bytes = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,httpDone,success,complete:True", recorder.Compact());
        Assert.Equal(LoopbackServer.Pattern(100000), bytes);
        Assert.Equal(bytes, recorder.Body.ToArray());
        var last = recorder.DownloadProgress.Last();
        Assert.Equal(100000, last.Loaded);
        Assert.Equal(100000, last.Total);
        Assert.True(recorder.Call.IsFinished);
        Assert.Same(recorder.Call.Response, await recorder.Call.Completion.WithTimeout());
    }

    [Fact]
    public async Task SendAsync_HeadersReadThenReadToEnd_EndsAtLastByte()
    {
        var server = await LoopbackServer.Shared;
        using var client = NewClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url("bytes/50000?chunked=true"));
        var recorder = new EventRecorder(HttpCall.For(request));

        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WithTimeout();
        Assert.False(recorder.Call.IsFinished);
        await using var stream = await response.Content.ReadAsStreamAsync();
        var copy = new MemoryStream();
        await stream.CopyToAsync(copy).WithTimeout();

        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,httpDone,success,complete:True", recorder.Compact());
        Assert.Null(recorder.DownloadProgress.Last().Total);
        Assert.Equal(50000, recorder.DownloadProgress.Last().Loaded);
        Assert.Equal(copy.ToArray(), recorder.Body.ToArray());
    }

    [Fact]
    public async Task GetAsync_404WithBody_StreamsBodyThenError()
    {
        var server = await LoopbackServer.Shared;
        using var client = NewClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url("status/404?body=missing"));
        var recorder = new EventRecorder(HttpCall.For(request));

        using var response = await client.SendAsync(request).WithTimeout();

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("missing", await response.Content.ReadAsStringAsync());
        Assert.Equal("httpHeaders:404,httpDownloadProgress*,httpData*,httpDone,error,complete:True", recorder.Compact());
        var error = Assert.IsType<HttpRequestException>(recorder.Call.Response.Error);
        Assert.Equal(HttpStatusCode.NotFound, error.StatusCode);
    }

    [Fact]
    public async Task ReadToEnd_ResetMidBody_HttpErrorThenErrorAndSameExceptionAsWithoutHandler()
    {
        var server = await LoopbackServer.Shared;
        using var bare = new HttpClient(new SocketsHttpHandler());
        var expected = await ReadResetBodyAsync(bare, server, call: null);

        using var client = NewClient();
        var recorder = (EventRecorder?)null;
        var actual = await ReadResetBodyAsync(client, server, call => recorder = new EventRecorder(call));

        Assert.Equal(expected.GetType(), actual.GetType());
        Assert.Equal(expected.InnerException?.GetType(), actual.InnerException?.GetType());
        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,httpError,error,complete:True", recorder!.Compact());
        Assert.Same(actual, recorder.HttpErrors.Single());
        Assert.Same(actual, recorder.Call.Response.Error);
    }

    private static async Task<Exception> ReadResetBodyAsync(HttpClient client, LoopbackServer server, Action<HttpCall>? call)
    {
        var key = LoopbackServer.NewKey();
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url($"reset/100000?after=20000&key={key}"));
        call?.Invoke(HttpCall.For(request));
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WithTimeout();
        var stream = await response.Content.ReadAsStreamAsync();
        await stream.ReadExactlyAsync(new byte[1000]).AsTask().WithTimeout();
        server.Signal(key);
        return await Assert.ThrowsAnyAsync<Exception>(() => stream.CopyToAsync(Stream.Null)).WithTimeout();
    }

    [Fact]
    public async Task GetAsync_TruncatedBody_HttpErrorThenError()
    {
        var server = await LoopbackServer.Shared;
        var url = new Uri(server.TruncatingAddress, "100000?send=30000");
        using var bare = new HttpClient(new SocketsHttpHandler());
        var expected = await Assert.ThrowsAnyAsync<Exception>(() => bare.GetAsync(url)).WithTimeout();

        using var client = NewClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        var recorder = new EventRecorder(HttpCall.For(request));
        var actual = await Assert.ThrowsAnyAsync<Exception>(() => client.SendAsync(request)).WithTimeout();

        Assert.Equal(expected.GetType(), actual.GetType());
        Assert.Equal(expected.InnerException?.GetType(), actual.InnerException?.GetType());
        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,httpError,error,complete:True", recorder.Compact());
        Assert.Equal(30000, recorder.Body.Length);
    }

    [Fact]
    public async Task GetAsync_ConnectionRefused_HttpErrorThenError()
    {
        using var client = NewClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, LoopbackServer.RefusedAddress());
        var recorder = new EventRecorder(HttpCall.For(request));

        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => client.SendAsync(request)).WithTimeout();

        Assert.Equal("httpError,error,complete:True", recorder.Compact());
        Assert.Same(ex, recorder.Call.Response.Error);
    }

    [Fact]
    public async Task CallSendAsync_AwsStyle_DrivesBodyAndReturnsResponse()
    {
        var server = await LoopbackServer.Shared;
        using var client = NewClient();
        var call = client.CreateCall(HttpMethod.Get, server.Url("bytes/300000").ToString());
        var recorder = new EventRecorder(call);

        var response = await call.SendAsync().WithTimeout();

        Assert.Same(call.Response, response);
        Assert.Null(response.Error);
        Assert.Equal(300000, recorder.Body.Length);
        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,httpDone,success,complete:True", recorder.Compact());
    }

    [Fact]
    public async Task Dispose_UnreadBody_EndsInErrorAbandoned()
    {
        var server = await LoopbackServer.Shared;
        using var client = NewClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url("bytes/100000"));
        var recorder = new EventRecorder(HttpCall.For(request));

        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WithTimeout();
        response.Dispose();

        Assert.Equal("httpHeaders:200,error,complete:True", recorder.Compact());
        Assert.IsType<HttpCallAbandonedException>(recorder.Call.Response.Error);
    }

    [Fact]
    public async Task Abort_WhileReadingHangingBody_ReadThrowsAbortAndCallEnds()
    {
        var server = await LoopbackServer.Shared;
        using var client = NewClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url("hang-body/100000?send=1000"));
        var call = HttpCall.For(request);
        var recorder = new EventRecorder(call);
        var firstData = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        call.Once(HttpEvents.HttpData, _ => firstData.TrySetResult());

        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WithTimeout();
        var stream = await response.Content.ReadAsStreamAsync();
        var reading = Task.Run(async () =>
        {
            var buffer = new byte[8192];
            while (await stream.ReadAsync(buffer) > 0)
            {
            }
        });
        await firstData.Task.WithTimeout();
        call.Abort();

        var ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reading).WithTimeout();
        Assert.Contains("aborted", ex.Message, StringComparison.Ordinal);
        Assert.Same(ex, call.Response.Error);
        Assert.EndsWith("error,complete:True", recorder.Compact(), StringComparison.Ordinal);
        Assert.Equal(1, recorder.Count("error"));
    }

    [Fact]
    public async Task Abort_WhileWaitingForHeaders_SendThrowsAbort()
    {
        var server = await LoopbackServer.Shared;
        using var client = NewClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url("hang"));
        var call = HttpCall.For(request);
        var recorder = new EventRecorder(call);

        var sending = client.SendAsync(request);
        call.Abort();

        var ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sending).WithTimeout();
        Assert.Same(call.AbortException, ex);
        Assert.Equal("error,complete:True", recorder.Compact());
    }

    [Fact]
    public async Task Abort_BeforeSend_EndsAtOnceAndSendFails()
    {
        var server = await LoopbackServer.Shared;
        using var client = NewClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url("bytes/10"));
        var call = HttpCall.For(request);
        var recorder = new EventRecorder(call);

        call.Abort();
        Assert.Equal("error,complete:True", recorder.Compact());

        var ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.SendAsync(request)).WithTimeout();
        Assert.Same(call.Response.Error, ex);
        Assert.Equal("error,complete:True", recorder.Compact());
    }

    [Fact]
    public async Task Send_Sync_RaisesSequence()
    {
        var server = await LoopbackServer.Shared;
        using var client = NewClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url("bytes/20000"));
        var recorder = new EventRecorder(HttpCall.For(request));

        using var response = await Task.Run(() => client.Send(request)).WithTimeout();

        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,httpDone,success,complete:True", recorder.Compact());
        Assert.Equal(20000, recorder.Body.Length);
    }

    private static void AssertSameShape(Exception expected, Exception actual)
    {
        Assert.Equal(expected.GetType(), actual.GetType());
        Assert.Equal(expected.InnerException?.GetType(), actual.InnerException?.GetType());
    }

    private static async Task<HttpCall> SendCallAsync(HttpClient client, Uri url, Action<HttpCall>? configure = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        var call = HttpCall.For(request);
        configure?.Invoke(call);
        using var response = await client.SendAsync(request).WithTimeout();
        return call;
    }

    [Fact]
    public async Task GetAsync_LargeBody_StreamsEveryByteInManyChunks()
    {
        const int length = 4 * 1024 * 1024;
        var server = await LoopbackServer.Shared;
        using var client = NewClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url($"bytes/{length}?chunk=65536"));
        var recorder = new EventRecorder(HttpCall.For(request));

        using var response = await client.SendAsync(request).WithTimeout();

        Assert.Equal(LoopbackServer.Pattern(length), await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(LoopbackServer.Pattern(length), recorder.Body.ToArray());
        Assert.True(recorder.Count("httpData") > 10, $"only {recorder.Count("httpData")} chunks");
        Assert.Equal(length, recorder.DownloadProgress.Last().Loaded);
        Assert.Equal(length, recorder.DownloadProgress.Last().Total);
        Assert.Equal(length, recorder.Call.Response.BytesReceived);
        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,httpDone,success,complete:True", recorder.Compact());
    }

    [Fact]
    public async Task GetAsync_ChunkedBody_TotalNullAndLoadedEndsAtLength()
    {
        var server = await LoopbackServer.Shared;
        using var client = NewClient();
        EventRecorder? recorder = null;

        await SendCallAsync(client, server.Url("bytes/123457?chunked=true&chunk=10000"), c => recorder = new EventRecorder(c));

        Assert.All(recorder!.DownloadProgress, p => Assert.Null(p.Total));
        Assert.Equal(123457, recorder.DownloadProgress.Last().Loaded);
        Assert.Equal(LoopbackServer.Pattern(123457), recorder.Body.ToArray());
        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,httpDone,success,complete:True", recorder.Compact());
    }

    [Fact]
    public async Task ReadAsStream_SlowBody_RaisesDataAsBytesArrive()
    {
        var server = await LoopbackServer.Shared;
        using var client = NewClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url("bytes/10000?chunk=1000&delayMs=20"));
        var recorder = new EventRecorder(HttpCall.For(request));

        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WithTimeout();
        await using var stream = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[65536];
        var first = await stream.ReadAsync(buffer).AsTask().WithTimeout();

        // The first read returns what arrived so far, long before the server finished writing.
        Assert.InRange(first, 1, 9999);
        Assert.False(recorder.Call.IsFinished);
        Assert.Equal(first, recorder.DownloadProgress.Last().Loaded);
        await stream.CopyToAsync(Stream.Null).WithTimeout();

        // At least the first read's chunk and one more: how many more depends on scheduling, not on the handler.
        Assert.True(recorder.Count("httpData") >= 2, $"only {recorder.Count("httpData")} chunks");
        Assert.Equal(10000, recorder.Body.Length);
        Assert.True(recorder.Call.Response.IsSuccess);
    }

    [Fact]
    public async Task GetAsync_500WithBody_ReturnsResponseAndStreamsBodyThenError()
    {
        var server = await LoopbackServer.Shared;
        using var client = NewClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url("status/500?body=server-broke"));
        var recorder = new EventRecorder(HttpCall.For(request));

        using var response = await client.SendAsync(request).WithTimeout();

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("server-broke", await response.Content.ReadAsStringAsync());
        Assert.Equal("server-broke", System.Text.Encoding.UTF8.GetString(recorder.Body.ToArray()));
        Assert.Equal("httpHeaders:500,httpDownloadProgress*,httpData*,httpDone,error,complete:True", recorder.Compact());
        Assert.Equal(HttpStatusCode.InternalServerError, Assert.IsType<HttpRequestException>(recorder.Call.Response.Error).StatusCode);
    }

    [Fact]
    public async Task GetAsync_Headers_SameAsWithoutHandler()
    {
        var server = await LoopbackServer.Shared;
        using var bare = new HttpClient(new SocketsHttpHandler());
        using var client = NewClient();

        foreach (var path in new[] { "bytes/5000", "bytes/5000?chunked=true", "status/404?body=nope" })
        {
            using var expected = await bare.GetAsync(server.Url(path)).WithTimeout();
            using var actual = await client.GetAsync(server.Url(path)).WithTimeout();

            Assert.Equal(expected.StatusCode, actual.StatusCode);
            Assert.Equal(expected.Content.Headers.ContentLength, actual.Content.Headers.ContentLength);
            Assert.Equal(
                expected.Content.Headers.Select(h => $"{h.Key}={string.Join(",", h.Value)}").Order(),
                actual.Content.Headers.Select(h => $"{h.Key}={string.Join(",", h.Value)}").Order());
            Assert.Equal(
                expected.Headers.Where(h => h.Key != "Date").Select(h => $"{h.Key}={string.Join(",", h.Value)}").Order(),
                actual.Headers.Where(h => h.Key != "Date").Select(h => $"{h.Key}={string.Join(",", h.Value)}").Order());
            Assert.Equal(await expected.Content.ReadAsByteArrayAsync(), await actual.Content.ReadAsByteArrayAsync());
        }
    }

    [Fact]
    public async Task GetAsync_AutomaticDecompression_TotalNullAndLoadedCountsDecompressedBytes()
    {
        var server = await LoopbackServer.Shared;
        using var client = new HttpClient(new EventingHandler(new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.GZip }));
        EventRecorder? recorder = null;

        await SendCallAsync(client, server.Url("gzip/200000"), c => recorder = new EventRecorder(c));

        Assert.All(recorder!.DownloadProgress, p => Assert.Null(p.Total));
        Assert.Equal(200000, recorder.DownloadProgress.Last().Loaded);
        Assert.Equal(LoopbackServer.Pattern(200000), recorder.Body.ToArray());
        Assert.True(recorder.Call.Response.IsSuccess);
    }

    [Fact]
    public async Task GetAsync_NoDecompression_TotalIsCompressedLength()
    {
        var server = await LoopbackServer.Shared;
        using var client = NewClient();
        EventRecorder? recorder = null;

        await SendCallAsync(client, server.Url("gzip/200000"), c => recorder = new EventRecorder(c));

        var last = recorder!.DownloadProgress.Last();
        Assert.NotNull(last.Total);
        Assert.Equal(last.Total, last.Loaded);
        Assert.True(last.Total < 200000);
    }

    [Fact]
    public async Task ReadToEnd_ResetBeforeHeaders_HttpErrorAndSameExceptionAsWithoutHandler()
    {
        var server = await LoopbackServer.Shared;
        using var bare = new HttpClient(new SocketsHttpHandler());
        var expected = await Assert.ThrowsAnyAsync<Exception>(() => bare.GetAsync(server.Url("reset-headers"))).WithTimeout();
        using var client = NewClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url("reset-headers"));
        var recorder = new EventRecorder(HttpCall.For(request));

        var actual = await Assert.ThrowsAnyAsync<Exception>(() => client.SendAsync(request)).WithTimeout();

        AssertSameShape(expected, actual);
        Assert.Equal("httpError,error,complete:True", recorder.Compact());
        Assert.Same(actual, recorder.HttpErrors.Single());
        Assert.Same(actual, recorder.Call.Response.Error);
    }

    [Fact]
    public async Task GetAsync_ResetMidBodyWhileBuffering_HttpErrorThenErrorAndNoHttpDone()
    {
        var server = await LoopbackServer.Shared;
        using var client = NewClient();
        var key = LoopbackServer.NewKey();
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url($"reset/100000?after=20000&key={key}"));
        var recorder = new EventRecorder(HttpCall.For(request));
        HttpCall.For(request).Once(HttpEvents.HttpData, _ => server.Signal(key));

        var actual = await Assert.ThrowsAnyAsync<HttpRequestException>(() => client.SendAsync(request)).WithTimeout();

        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,httpError,error,complete:True", recorder.Compact());
        Assert.Equal(0, recorder.Count("httpDone"));
        Assert.Same(recorder.HttpErrors.Single(), recorder.Call.Response.Error);
        Assert.NotNull(actual.InnerException);
    }

    [Fact]
    public async Task ReadAsStream_TruncatedBody_SameExceptionAsWithoutHandler()
    {
        var server = await LoopbackServer.Shared;
        var url = new Uri(server.TruncatingAddress, "100000?send=30000");

        static async Task<Exception> ReadAsync(HttpClient client, HttpRequestMessage request)
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WithTimeout();
            await using var stream = await response.Content.ReadAsStreamAsync();
            return await Assert.ThrowsAnyAsync<Exception>(() => stream.CopyToAsync(Stream.Null)).WithTimeout();
        }

        using var bare = new HttpClient(new SocketsHttpHandler());
        var expected = await ReadAsync(bare, new HttpRequestMessage(HttpMethod.Get, url));
        using var client = NewClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        var recorder = new EventRecorder(HttpCall.For(request));
        var actual = await ReadAsync(client, request);

        AssertSameShape(expected, actual);
        Assert.Same(actual, recorder.HttpErrors.Single());
        Assert.Equal(30000, recorder.DownloadProgress.Last().Loaded);
        Assert.Equal(100000, recorder.DownloadProgress.Last().Total);
        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,httpError,error,complete:True", recorder.Compact());
    }

    [Fact]
    public async Task GetAsync_ConnectionRefused_SameExceptionAsWithoutHandler()
    {
        var url = LoopbackServer.RefusedAddress();
        using var bare = new HttpClient(new SocketsHttpHandler());
        var expected = await Assert.ThrowsAnyAsync<Exception>(() => bare.GetAsync(url)).WithTimeout();
        using var client = NewClient();

        var actual = await Assert.ThrowsAnyAsync<Exception>(() => client.GetAsync(url)).WithTimeout();

        AssertSameShape(expected, actual);
    }

    [Fact]
    public async Task GetAsync_TimeoutBeforeHeaders_ErrorAndSameExceptionAsWithoutHandler()
    {
        var server = await LoopbackServer.Shared;
        using var bare = new HttpClient(new SocketsHttpHandler()) { Timeout = TimeSpan.FromMilliseconds(500) };
        var expected = await Assert.ThrowsAnyAsync<Exception>(() => bare.GetAsync(server.Url("hang"))).WithTimeout();
        using var client = new HttpClient(new EventingHandler(new SocketsHttpHandler())) { Timeout = TimeSpan.FromMilliseconds(500) };
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url("hang"));
        var recorder = new EventRecorder(HttpCall.For(request));

        var actual = await Assert.ThrowsAnyAsync<Exception>(() => client.SendAsync(request)).WithTimeout();

        AssertSameShape(expected, actual);
        Assert.IsType<TaskCanceledException>(actual);
        Assert.IsType<TimeoutException>(actual.InnerException);
        Assert.Equal("error,complete:True", recorder.Compact());
        Assert.IsAssignableFrom<OperationCanceledException>(recorder.Call.Response.Error);
        Assert.True(recorder.Call.Completion.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task GetAsync_TimeoutMidBody_ErrorWithoutHttpErrorAndSameExceptionAsWithoutHandler()
    {
        var server = await LoopbackServer.Shared;
        var url = server.Url("hang-body/100000?send=1000");
        using var bare = new HttpClient(new SocketsHttpHandler()) { Timeout = TimeSpan.FromMilliseconds(1000) };
        var expected = await Assert.ThrowsAnyAsync<Exception>(() => bare.GetAsync(url)).WithTimeout();
        using var client = new HttpClient(new EventingHandler(new SocketsHttpHandler())) { Timeout = TimeSpan.FromMilliseconds(1000) };
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        var recorder = new EventRecorder(HttpCall.For(request));

        var actual = await Assert.ThrowsAnyAsync<Exception>(() => client.SendAsync(request)).WithTimeout();

        AssertSameShape(expected, actual);
        Assert.IsType<TimeoutException>(actual.InnerException);
        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,error,complete:True", recorder.Compact());
        Assert.Equal(1000, recorder.Body.Length);
        Assert.IsAssignableFrom<OperationCanceledException>(recorder.Call.Response.Error);
    }

    [Fact]
    public async Task SendAsync_CallerCancelsBeforeHeaders_ErrorAndSameExceptionAsWithoutHandler()
    {
        var server = await LoopbackServer.Shared;

        static async Task<Exception> CancelAsync(HttpClient client, HttpRequestMessage request)
        {
            using var cts = new CancellationTokenSource();
            var sending = client.SendAsync(request, cts.Token);
            cts.Cancel();
            return await Assert.ThrowsAnyAsync<Exception>(() => sending).WithTimeout();
        }

        using var bare = new HttpClient(new SocketsHttpHandler());
        var expected = await CancelAsync(bare, new HttpRequestMessage(HttpMethod.Get, server.Url("hang")));
        using var client = NewClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url("hang"));
        var recorder = new EventRecorder(HttpCall.For(request));
        var actual = await CancelAsync(client, request);

        AssertSameShape(expected, actual);
        Assert.IsAssignableFrom<OperationCanceledException>(actual);
        Assert.Equal("error,complete:True", recorder.Compact());
        Assert.IsAssignableFrom<OperationCanceledException>(recorder.Call.Response.Error);
    }

    [Fact]
    public async Task ReadAsync_CallerCancelsMidBody_ErrorAndSameExceptionAsWithoutHandler()
    {
        var server = await LoopbackServer.Shared;
        var url = server.Url("hang-body/100000?send=1000");

        static async Task<Exception> CancelAsync(HttpClient client, HttpRequestMessage request)
        {
            using var cts = new CancellationTokenSource();
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token).WithTimeout();
            await using var stream = await response.Content.ReadAsStreamAsync(cts.Token);
            await stream.ReadExactlyAsync(new byte[1000], cts.Token).AsTask().WithTimeout();
            var reading = stream.ReadAsync(new byte[1000], cts.Token).AsTask();
            cts.Cancel();
            return await Assert.ThrowsAnyAsync<Exception>(() => reading).WithTimeout();
        }

        using var bare = new HttpClient(new SocketsHttpHandler());
        var expected = await CancelAsync(bare, new HttpRequestMessage(HttpMethod.Get, url));
        using var client = NewClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        var recorder = new EventRecorder(HttpCall.For(request));
        var actual = await CancelAsync(client, request);

        // SocketsHttpHandler itself throws either a TaskCanceledException around the socket's IOException (cancelled while
        // the receive was posted) or a bare cancellation (cancelled before): both clients throw a cancellation, and the
        // handler passes on the transport's own exception object.
        Assert.IsAssignableFrom<OperationCanceledException>(expected);
        Assert.IsAssignableFrom<OperationCanceledException>(actual);
        Assert.Same(actual, recorder.Call.Response.Error);
        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,error,complete:True", recorder.Compact());
    }

    [Fact]
    public async Task GetAsync_CallerCancelsFromDataListener_ErrorAndTaskCanceled()
    {
        var server = await LoopbackServer.Shared;
        using var client = NewClient();
        using var cts = new CancellationTokenSource();
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url("hang-body/100000?send=1000"));
        var recorder = new EventRecorder(HttpCall.For(request));
        HttpCall.For(request).Once(HttpEvents.HttpData, _ => cts.Cancel());

        var actual = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.SendAsync(request, cts.Token)).WithTimeout();

        Assert.IsType<TaskCanceledException>(actual);
        Assert.Equal(cts.Token, actual.CancellationToken);
        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,error,complete:True", recorder.Compact());
    }

    [Fact]
    public async Task Abort_AfterEnd_IsNoOp()
    {
        var server = await LoopbackServer.Shared;
        using var client = NewClient();
        EventRecorder? recorder = null;
        var call = await SendCallAsync(client, server.Url("bytes/1000"), c => recorder = new EventRecorder(c));
        var before = recorder!.Names;

        call.Abort();
        call.Abort();

        Assert.Equal(before, recorder.Names);
        Assert.Null(call.Response.Error);
        Assert.True(call.Response.IsSuccess);
    }

    [Fact]
    public async Task Abort_AfterHeadersBeforeRead_EndsAtOnceAndReadThrowsAbort()
    {
        var server = await LoopbackServer.Shared;
        using var client = NewClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url("hang-body/100000?send=1000"));
        var call = HttpCall.For(request);
        var recorder = new EventRecorder(call);
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WithTimeout();

        call.Abort();

        Assert.Equal("httpHeaders:200,error,complete:True", recorder.Compact());
        Assert.True(call.IsFinished);
        var ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await using var stream = await response.Content.ReadAsStreamAsync();
            await stream.CopyToAsync(Stream.Null);
        }).WithTimeout();
        Assert.Same(call.Response.Error, ex);
        Assert.Equal("httpHeaders:200,error,complete:True", recorder.Compact());
    }

    [Fact]
    public async Task Abort_WhileBuffering_GetAsyncThrowsTheAbortException()
    {
        var server = await LoopbackServer.Shared;
        using var client = NewClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url("hang-body/100000?send=1000"));
        var call = HttpCall.For(request);
        var recorder = new EventRecorder(call);
        var firstData = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        call.Once(HttpEvents.HttpData, _ => firstData.TrySetResult());

        var sending = client.SendAsync(request);
        await firstData.Task.WithTimeout();
        call.Abort();

        var ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sending).WithTimeout();
        Assert.Same(call.Response.Error, ex);
        Assert.Contains("aborted", ex.Message, StringComparison.Ordinal);
        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,error,complete:True", recorder.Compact());
    }

    [Fact]
    public async Task Dispose_ResponseStreamMidBody_EndsInErrorAbandonedWithoutHttpDone()
    {
        var server = await LoopbackServer.Shared;
        using var client = NewClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url("bytes/1000000?chunk=4096"));
        var recorder = new EventRecorder(HttpCall.For(request));
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WithTimeout();
        var stream = await response.Content.ReadAsStreamAsync();
        await stream.ReadExactlyAsync(new byte[5000]).AsTask().WithTimeout();

        await stream.DisposeAsync();

        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,error,complete:True", recorder.Compact());
        var error = Assert.IsType<HttpCallAbandonedException>(recorder.Call.Response.Error);
        Assert.Contains("disposed", error.Message, StringComparison.Ordinal);
        Assert.True(recorder.Call.IsFinished);
        response.Dispose();
        Assert.Equal(1, recorder.Count("error"));
    }

    [Fact]
    public async Task Dispose_UnreadSyncStream_EndsInErrorAbandoned()
    {
        var server = await LoopbackServer.Shared;
        using var client = NewClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url("bytes/100000"));
        var recorder = new EventRecorder(HttpCall.For(request));
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WithTimeout();
        var stream = response.Content.ReadAsStream();

        stream.Dispose();

        Assert.Equal("httpHeaders:200,error,complete:True", recorder.Compact());
        Assert.IsType<HttpCallAbandonedException>(recorder.Call.Response.Error);
    }

    [Fact]
    public async Task CopyToAsync_HeadersRead_RaisesSequenceAndCopiesBytes()
    {
        var server = await LoopbackServer.Shared;
        using var client = NewClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url("bytes/300000"));
        var recorder = new EventRecorder(HttpCall.For(request));
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WithTimeout();
        var destination = new MemoryStream();

        await response.Content.CopyToAsync(destination).WithTimeout();

        Assert.Equal(LoopbackServer.Pattern(300000), destination.ToArray());
        Assert.Equal(destination.ToArray(), recorder.Body.ToArray());
        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,httpDone,success,complete:True", recorder.Compact());
    }

    [Fact]
    public async Task ReadAsByteArrayAsync_HeadersRead_RaisesSequenceAndReturnsBytes()
    {
        var server = await LoopbackServer.Shared;
        using var client = NewClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url("bytes/300000?chunked=true"));
        var recorder = new EventRecorder(HttpCall.For(request));
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WithTimeout();
        Assert.False(recorder.Call.IsFinished);

        var bytes = await response.Content.ReadAsByteArrayAsync().WithTimeout();

        Assert.Equal(LoopbackServer.Pattern(300000), bytes);
        Assert.Equal(bytes, recorder.Body.ToArray());
        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,httpDone,success,complete:True", recorder.Compact());
    }

    [Fact]
    public async Task ReadSpan_SyncSendHeadersRead_RaisesSequenceAndReturnsBytes()
    {
        var server = await LoopbackServer.Shared;
        using var client = NewClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url("bytes/300000"));
        var recorder = new EventRecorder(HttpCall.For(request));

        var bytes = await Task.Factory.StartNew(
            () =>
            {
                using var response = client.Send(request, HttpCompletionOption.ResponseHeadersRead);
                using var stream = response.Content.ReadAsStream();
                var destination = new MemoryStream();
                Span<byte> buffer = stackalloc byte[3000];
                int read;
                while ((read = stream.Read(buffer)) > 0)
                {
                    destination.Write(buffer[..read]);
                }

                return destination.ToArray();
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default).WithTimeout();

        Assert.Equal(LoopbackServer.Pattern(300000), bytes);
        Assert.Equal(bytes, recorder.Body.ToArray());
        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,httpDone,success,complete:True", recorder.Compact());
    }

    [Fact]
    public async Task ReadByte_HeadersRead_CountsEveryByte()
    {
        var server = await LoopbackServer.Shared;
        using var client = NewClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url("bytes/300"));
        var recorder = new EventRecorder(HttpCall.For(request));
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WithTimeout();
        await using var stream = await response.Content.ReadAsStreamAsync();

        var count = 0;
        while (stream.ReadByte() >= 0)
        {
            count++;
        }

        Assert.Equal(300, count);
        Assert.Equal(300, recorder.Count("httpData"));
        Assert.Equal(LoopbackServer.Pattern(300), recorder.Body.ToArray());
        Assert.True(recorder.Call.Response.IsSuccess);
    }

    [Fact]
    public async Task SendAsync_TwoCallsOnOneClient_EachHasItsOwnEvents()
    {
        var server = await LoopbackServer.Shared;
        using var client = NewClient();
        EventRecorder? first = null, second = null;

        var tasks = new[]
        {
            SendCallAsync(client, server.Url("bytes/200000"), c => first = new EventRecorder(c)),
            SendCallAsync(client, server.Url("status/404"), c => second = new EventRecorder(c)),
        };
        var calls = await Task.WhenAll(tasks).WithTimeout();

        Assert.NotSame(calls[0], calls[1]);
        Assert.Equal(200000, first!.Body.Length);
        Assert.EndsWith("httpDone,success,complete:True", first.Compact(), StringComparison.Ordinal);
        Assert.EndsWith("httpDone,error,complete:True", second!.Compact(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadAsStream_HttpClientTimeoutAfterHeadersRead_DoesNotApplyToBody()
    {
        var server = await LoopbackServer.Shared;
        using var client = new HttpClient(new EventingHandler(new SocketsHttpHandler())) { Timeout = TimeSpan.FromMilliseconds(300) };
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url("bytes/10000?chunk=1000&delayMs=100"));
        var recorder = new EventRecorder(HttpCall.For(request));
        var started = System.Diagnostics.Stopwatch.StartNew();

        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WithTimeout();
        await using var stream = await response.Content.ReadAsStreamAsync();
        await stream.CopyToAsync(Stream.Null).WithTimeout();

        Assert.True(started.Elapsed > TimeSpan.FromMilliseconds(300), $"the body took only {started.Elapsed}");
        Assert.True(recorder.Call.Response.IsSuccess);
        Assert.Equal(10000, recorder.Body.Length);
    }

    [Fact]
    public async Task SendAsync_RetryHandlerInsideHandBuiltHandler_EventsDescribeFinalAttemptOnly()
    {
        var server = await LoopbackServer.Shared;
        using var client = new HttpClient(new EventingHandler(new RetryOnceHandler(new SocketsHttpHandler())));
        var key = LoopbackServer.NewKey();
        EventRecorder? recorder = null;

        var call = await SendCallAsync(client, server.Url($"flaky/{key}?failures=1&status=500&n=1000"), c => recorder = new EventRecorder(c));

        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,httpDone,success,complete:True", recorder!.Compact());
        Assert.Equal(0, recorder.Count("retry"));
        Assert.Equal(0, call.Response.RetryCount);
        Assert.Equal(1, call.Response.Attempt);
    }

    private sealed class RetryOnceHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                return response;
            }

            response.Dispose();
            return await base.SendAsync(request, cancellationToken);
        }
    }

    // Found by the first mutation pass: two hand-built handlers nested made the inner one start a second attempt of the same
    // call (retry:2 as a hedge, every per-attempt event twice, RetryCount 1). The outer handler runs the call and observes its
    // attempt; the inner one passes the request on.
    [Theory]
    [InlineData(PipelineShape.OneLayer)]
    [InlineData(PipelineShape.TwoParts)]
    public async Task SendAsync_NestedEventingHandler_OneAttemptAndEachEventOnce(PipelineShape outer)
    {
        using var client = new HttpClient(EventingPipeline.Create(new EventingHandler(InlineHandler.Generating(10_000, declareLength: true)), outer));
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://example.test/nested");
        var recorder = new EventRecorder(HttpCall.For(request));

        using var response = await client.SendAsync(request).WithTimeout();

        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,httpDone,success,complete:True", recorder.Compact());
        Assert.Equal(0, recorder.Count("retry"));
        Assert.Equal(0, recorder.Call.Response.RetryCount);
        Assert.Equal(1, recorder.Call.Response.Attempt);
        Assert.Equal(10_000, recorder.Body.Length);
    }
}
