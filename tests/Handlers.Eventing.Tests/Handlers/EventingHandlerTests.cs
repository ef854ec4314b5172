using System.Net;
using Handlers.Eventing.Tests.Infrastructure;

namespace Handlers.Eventing.Tests.Handlers;

public class EventingHandlerTests
{
    [Theory]
    [PipelineShapes]
    public async Task GetAsync_Buffered200_RaisesFullSequenceAndBytes(PipelineShape shape)
    {
        using var sut = await CallUnderTest.LoopbackAsync("bytes/100000?chunk=8192", shape);

        using var response = await sut.SendAsync().WithTimeout();
        var bytes = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,httpDone,success,complete:True", sut.Recorder.Compact());
        Assert.Equal(LoopbackServer.Pattern(100000), bytes);
        Assert.Equal(bytes, sut.Recorder.Body.ToArray());
        var last = sut.Recorder.DownloadProgress.Last();
        Assert.Equal(100000, last.Loaded);
        Assert.Equal(100000, last.Total);
        Assert.True(sut.Recorder.Call.IsFinished);
        Assert.Same(sut.Recorder.Call.Response, await sut.Recorder.Call.Completion.WithTimeout());
    }

    [Theory]
    [PipelineShapes]
    public async Task SendAsync_HeadersReadThenReadToEnd_EndsAtLastByte(PipelineShape shape)
    {
        using var sut = await CallUnderTest.LoopbackAsync("bytes/50000?chunked=true", shape);

        using var response = await sut.SendAsync(HttpCompletionOption.ResponseHeadersRead).WithTimeout();
        Assert.False(sut.Recorder.Call.IsFinished);
        await using var stream = await response.Content.ReadAsStreamAsync();
        var copy = new MemoryStream();
        await stream.CopyToAsync(copy).WithTimeout();

        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,httpDone,success,complete:True", sut.Recorder.Compact());
        Assert.Null(sut.Recorder.DownloadProgress.Last().Total);
        Assert.Equal(50000, sut.Recorder.DownloadProgress.Last().Loaded);
        Assert.Equal(copy.ToArray(), sut.Recorder.Body.ToArray());
    }

    [Theory]
    [PipelineShapes]
    public async Task GetAsync_404WithBody_StreamsBodyThenError(PipelineShape shape)
    {
        using var sut = await CallUnderTest.LoopbackAsync("status/404?body=missing", shape);

        using var response = await sut.SendAsync().WithTimeout();

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("missing", await response.Content.ReadAsStringAsync());
        Assert.Equal("httpHeaders:404,httpDownloadProgress*,httpData*,httpDone,error,complete:True", sut.Recorder.Compact());
        var error = Assert.IsType<HttpRequestException>(sut.Recorder.Call.Response.Error);
        Assert.Equal(HttpStatusCode.NotFound, error.StatusCode);
    }

    [Fact]
    public async Task ReadToEnd_ResetMidBody_HttpErrorThenErrorAndSameExceptionAsWithoutHandler()
    {
        var server = await LoopbackServer.Shared;
        using var bare = new HttpClient(new SocketsHttpHandler());
        var expected = await ReadResetBodyAsync(bare, server, call: null);

        using var client = LoopbackVersions.EventingClient(http2: false, PipelineShape.OneLayer);
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

        using var sut = await CallUnderTest.LoopbackAsync(url.ToString());
        var actual = await Assert.ThrowsAnyAsync<Exception>(() => sut.SendAsync()).WithTimeout();

        Assert.Equal(expected.GetType(), actual.GetType());
        Assert.Equal(expected.InnerException?.GetType(), actual.InnerException?.GetType());
        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,httpError,error,complete:True", sut.Recorder.Compact());
        Assert.Equal(30000, sut.Recorder.Body.Length);
    }

    [Fact]
    public async Task GetAsync_ConnectionRefused_HttpErrorThenError()
    {
        using var sut = await CallUnderTest.LoopbackAsync(LoopbackServer.RefusedAddress().ToString());

        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => sut.SendAsync()).WithTimeout();

        Assert.Equal("httpError,error,complete:True", sut.Recorder.Compact());
        Assert.Same(ex, sut.Recorder.Call.Response.Error);
    }

    [Fact]
    public async Task CallSendAsync_AwsStyle_DrivesBodyAndReturnsResponse()
    {
        var server = await LoopbackServer.Shared;
        using var client = LoopbackVersions.EventingClient(http2: false, PipelineShape.OneLayer);
        var call = client.CreateCall(HttpMethod.Get, server.Url("bytes/300000").ToString());
        var recorder = new EventRecorder(call);

        var response = await call.SendAsync().WithTimeout();

        Assert.Same(call.Response, response);
        Assert.Null(response.Error);
        Assert.Equal(300000, recorder.Body.Length);
        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,httpDone,success,complete:True", recorder.Compact());
    }

    [Theory]
    [PipelineShapes]
    public async Task Dispose_UnreadBody_EndsInErrorAbandoned(PipelineShape shape)
    {
        using var sut = await CallUnderTest.LoopbackAsync("bytes/100000", shape);

        var response = await sut.SendAsync(HttpCompletionOption.ResponseHeadersRead).WithTimeout();
        response.Dispose();

        Assert.Equal("httpHeaders:200,error,complete:True", sut.Recorder.Compact());
        Assert.IsType<HttpCallAbandonedException>(sut.Recorder.Call.Response.Error);
    }

    [Theory]
    [PipelineShapes]
    public async Task Abort_WhileReadingHangingBody_ReadThrowsAbortAndCallEnds(PipelineShape shape)
    {
        using var sut = await CallUnderTest.LoopbackAsync("hang-body/100000?send=1000", shape);
        var firstData = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        sut.Call.Once(HttpEvents.HttpData, _ => firstData.TrySetResult());

        using var response = await sut.SendAsync(HttpCompletionOption.ResponseHeadersRead).WithTimeout();
        var stream = await response.Content.ReadAsStreamAsync();
        var reading = Task.Run(async () =>
        {
            var buffer = new byte[8192];
            while (await stream.ReadAsync(buffer) > 0)
            {
            }
        });
        await firstData.Task.WithTimeout();
        sut.Call.Abort();

        var ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reading).WithTimeout();
        Assert.Contains("aborted", ex.Message, StringComparison.Ordinal);
        Assert.Same(ex, sut.Call.Response.Error);
        Assert.EndsWith("error,complete:True", sut.Recorder.Compact(), StringComparison.Ordinal);
        Assert.Equal(1, sut.Recorder.Count("error"));
    }

    [Theory]
    [PipelineShapes]
    public async Task Abort_WhileWaitingForHeaders_SendThrowsAbort(PipelineShape shape)
    {
        using var sut = await CallUnderTest.LoopbackAsync("hang", shape);

        var sending = sut.SendAsync();
        sut.Call.Abort();

        var ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sending).WithTimeout();
        Assert.Same(sut.Call.AbortException, ex);
        Assert.Equal("error,complete:True", sut.Recorder.Compact());
    }

    [Theory]
    [PipelineShapes]
    public async Task Abort_BeforeSend_EndsAtOnceAndSendFails(PipelineShape shape)
    {
        using var sut = await CallUnderTest.LoopbackAsync("bytes/10", shape);

        sut.Call.Abort();
        Assert.Equal("error,complete:True", sut.Recorder.Compact());

        var ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sut.SendAsync()).WithTimeout();
        Assert.Same(sut.Call.Response.Error, ex);
        Assert.Equal("error,complete:True", sut.Recorder.Compact());
    }

    [Theory]
    [PipelineShapes]
    public async Task Send_Sync_RaisesSequence(PipelineShape shape)
    {
        using var sut = await CallUnderTest.LoopbackAsync("bytes/20000", shape);

        using var response = await Task.Run(() => sut.Client.Send(sut.Request)).WithTimeout();

        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,httpDone,success,complete:True", sut.Recorder.Compact());
        Assert.Equal(20000, sut.Recorder.Body.Length);
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

    [Theory]
    [PipelineShapes]
    public async Task GetAsync_LargeBody_StreamsEveryByteInManyChunks(PipelineShape shape)
    {
        const int length = 4 * 1024 * 1024;
        using var sut = await CallUnderTest.LoopbackAsync($"bytes/{length}?chunk=65536", shape);

        using var response = await sut.SendAsync().WithTimeout();

        Assert.Equal(LoopbackServer.Pattern(length), await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(LoopbackServer.Pattern(length), sut.Recorder.Body.ToArray());
        Assert.True(sut.Recorder.Count("httpData") > 10, $"only {sut.Recorder.Count("httpData")} chunks");
        Assert.Equal(length, sut.Recorder.DownloadProgress.Last().Loaded);
        Assert.Equal(length, sut.Recorder.DownloadProgress.Last().Total);
        Assert.Equal(length, sut.Recorder.Call.Response.BytesReceived);
        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,httpDone,success,complete:True", sut.Recorder.Compact());
    }

    [Fact]
    public async Task GetAsync_ChunkedBody_TotalNullAndLoadedEndsAtLength()
    {
        var server = await LoopbackServer.Shared;
        using var client = LoopbackVersions.EventingClient(http2: false, PipelineShape.OneLayer);
        EventRecorder? recorder = null;

        await SendCallAsync(client, server.Url("bytes/123457?chunked=true&chunk=10000"), c => recorder = new EventRecorder(c));

        Assert.All(recorder!.DownloadProgress, p => Assert.Null(p.Total));
        Assert.Equal(123457, recorder.DownloadProgress.Last().Loaded);
        Assert.Equal(LoopbackServer.Pattern(123457), recorder.Body.ToArray());
        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,httpDone,success,complete:True", recorder.Compact());
    }

    [Theory]
    [PipelineShapes]
    public async Task ReadAsStream_SlowBody_RaisesDataAsBytesArrive(PipelineShape shape)
    {
        using var sut = await CallUnderTest.LoopbackAsync("bytes/10000?chunk=1000&delayMs=20", shape);

        using var response = await sut.SendAsync(HttpCompletionOption.ResponseHeadersRead).WithTimeout();
        await using var stream = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[65536];
        var first = await stream.ReadAsync(buffer).AsTask().WithTimeout();

        // The first read returns what arrived so far, long before the server finished writing.
        Assert.InRange(first, 1, 9999);
        Assert.False(sut.Recorder.Call.IsFinished);
        Assert.Equal(first, sut.Recorder.DownloadProgress.Last().Loaded);
        await stream.CopyToAsync(Stream.Null).WithTimeout();

        // At least the first read's chunk and one more: how many more depends on scheduling, not on the handler.
        Assert.True(sut.Recorder.Count("httpData") >= 2, $"only {sut.Recorder.Count("httpData")} chunks");
        Assert.Equal(10000, sut.Recorder.Body.Length);
        Assert.True(sut.Recorder.Call.Response.IsSuccess);
    }

    [Theory]
    [PipelineShapes]
    public async Task GetAsync_500WithBody_ReturnsResponseAndStreamsBodyThenError(PipelineShape shape)
    {
        using var sut = await CallUnderTest.LoopbackAsync("status/500?body=server-broke", shape);

        using var response = await sut.SendAsync().WithTimeout();

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("server-broke", await response.Content.ReadAsStringAsync());
        Assert.Equal("server-broke", System.Text.Encoding.UTF8.GetString(sut.Recorder.Body.ToArray()));
        Assert.Equal("httpHeaders:500,httpDownloadProgress*,httpData*,httpDone,error,complete:True", sut.Recorder.Compact());
        Assert.Equal(HttpStatusCode.InternalServerError, Assert.IsType<HttpRequestException>(sut.Recorder.Call.Response.Error).StatusCode);
    }

    [Fact]
    public async Task GetAsync_Headers_SameAsWithoutHandler()
    {
        var server = await LoopbackServer.Shared;
        using var bare = new HttpClient(new SocketsHttpHandler());
        using var client = LoopbackVersions.EventingClient(http2: false, PipelineShape.OneLayer);

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
        using var client = LoopbackVersions.EventingClient(http2: false, PipelineShape.OneLayer);
        EventRecorder? recorder = null;

        await SendCallAsync(client, server.Url("gzip/200000"), c => recorder = new EventRecorder(c));

        var last = recorder!.DownloadProgress.Last();
        Assert.NotNull(last.Total);
        Assert.Equal(last.Total, last.Loaded);
        Assert.True(last.Total < 200000);
    }

    [Theory]
    [PipelineShapes]
    public async Task ReadToEnd_ResetBeforeHeaders_HttpErrorAndSameExceptionAsWithoutHandler(PipelineShape shape)
    {
        var server = await LoopbackServer.Shared;
        using var bare = new HttpClient(new SocketsHttpHandler());
        var expected = await Assert.ThrowsAnyAsync<Exception>(() => bare.GetAsync(server.Url("reset-headers"))).WithTimeout();
        using var sut = await CallUnderTest.LoopbackAsync("reset-headers", shape);

        var actual = await Assert.ThrowsAnyAsync<Exception>(() => sut.SendAsync()).WithTimeout();

        AssertSameShape(expected, actual);
        Assert.Equal("httpError,error,complete:True", sut.Recorder.Compact());
        Assert.Same(actual, sut.Recorder.HttpErrors.Single());
        Assert.Same(actual, sut.Recorder.Call.Response.Error);
    }

    [Theory]
    [PipelineShapes]
    public async Task GetAsync_ResetMidBodyWhileBuffering_HttpErrorThenErrorAndNoHttpDone(PipelineShape shape)
    {
        var key = LoopbackServer.NewKey();
        using var sut = await CallUnderTest.LoopbackAsync($"reset/100000?after=20000&key={key}", shape);
        sut.Call.Once(HttpEvents.HttpData, _ => sut.Server.Signal(key));

        var actual = await Assert.ThrowsAnyAsync<HttpRequestException>(() => sut.SendAsync()).WithTimeout();

        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,httpError,error,complete:True", sut.Recorder.Compact());
        Assert.Equal(0, sut.Recorder.Count("httpDone"));
        Assert.Same(sut.Recorder.HttpErrors.Single(), sut.Recorder.Call.Response.Error);
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
        using var sut = await CallUnderTest.LoopbackAsync(url.ToString());
        var actual = await ReadAsync(sut.Client, sut.Request);

        AssertSameShape(expected, actual);
        Assert.Same(actual, sut.Recorder.HttpErrors.Single());
        Assert.Equal(30000, sut.Recorder.DownloadProgress.Last().Loaded);
        Assert.Equal(100000, sut.Recorder.DownloadProgress.Last().Total);
        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,httpError,error,complete:True", sut.Recorder.Compact());
    }

    [Fact]
    public async Task GetAsync_ConnectionRefused_SameExceptionAsWithoutHandler()
    {
        var url = LoopbackServer.RefusedAddress();
        using var bare = new HttpClient(new SocketsHttpHandler());
        var expected = await Assert.ThrowsAnyAsync<Exception>(() => bare.GetAsync(url)).WithTimeout();
        using var client = LoopbackVersions.EventingClient(http2: false, PipelineShape.OneLayer);

        var actual = await Assert.ThrowsAnyAsync<Exception>(() => client.GetAsync(url)).WithTimeout();

        AssertSameShape(expected, actual);
    }

    [Theory]
    [PipelineShapes]
    public async Task GetAsync_TimeoutBeforeHeaders_ErrorAndSameExceptionAsWithoutHandler(PipelineShape shape)
    {
        var server = await LoopbackServer.Shared;
        using var bare = new HttpClient(new SocketsHttpHandler()) { Timeout = TimeSpan.FromMilliseconds(500) };
        var expected = await Assert.ThrowsAnyAsync<Exception>(() => bare.GetAsync(server.Url("hang"))).WithTimeout();
        using var sut = await CallUnderTest.LoopbackAsync("hang", shape);
        sut.Client.Timeout = TimeSpan.FromMilliseconds(500);

        var actual = await Assert.ThrowsAnyAsync<Exception>(() => sut.SendAsync()).WithTimeout();

        AssertSameShape(expected, actual);
        Assert.IsType<TaskCanceledException>(actual);
        Assert.IsType<TimeoutException>(actual.InnerException);
        Assert.Equal("error,complete:True", sut.Recorder.Compact());
        Assert.IsAssignableFrom<OperationCanceledException>(sut.Recorder.Call.Response.Error);
        Assert.True(sut.Recorder.Call.Completion.IsCompletedSuccessfully);
    }

    [Theory]
    [PipelineShapes]
    public async Task GetAsync_TimeoutMidBody_ErrorWithoutHttpErrorAndSameExceptionAsWithoutHandler(PipelineShape shape)
    {
        var server = await LoopbackServer.Shared;
        var url = server.Url("hang-body/100000?send=1000");
        using var bare = new HttpClient(new SocketsHttpHandler()) { Timeout = TimeSpan.FromMilliseconds(1000) };
        var expected = await Assert.ThrowsAnyAsync<Exception>(() => bare.GetAsync(url)).WithTimeout();
        using var sut = await CallUnderTest.LoopbackAsync(url.ToString(), shape);
        sut.Client.Timeout = TimeSpan.FromMilliseconds(1000);

        var actual = await Assert.ThrowsAnyAsync<Exception>(() => sut.SendAsync()).WithTimeout();

        AssertSameShape(expected, actual);
        Assert.IsType<TimeoutException>(actual.InnerException);
        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,error,complete:True", sut.Recorder.Compact());
        Assert.Equal(1000, sut.Recorder.Body.Length);
        Assert.IsAssignableFrom<OperationCanceledException>(sut.Recorder.Call.Response.Error);
    }

    [Theory]
    [PipelineShapes]
    public async Task SendAsync_CallerCancelsBeforeHeaders_ErrorAndSameExceptionAsWithoutHandler(PipelineShape shape)
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
        using var sut = await CallUnderTest.LoopbackAsync("hang", shape);
        var actual = await CancelAsync(sut.Client, sut.Request);

        AssertSameShape(expected, actual);
        Assert.IsAssignableFrom<OperationCanceledException>(actual);
        Assert.Equal("error,complete:True", sut.Recorder.Compact());
        Assert.IsAssignableFrom<OperationCanceledException>(sut.Recorder.Call.Response.Error);
    }

    [Theory]
    [PipelineShapes]
    public async Task ReadAsync_CallerCancelsMidBody_ErrorAndSameExceptionAsWithoutHandler(PipelineShape shape)
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
        using var sut = await CallUnderTest.LoopbackAsync(url.ToString(), shape);
        var actual = await CancelAsync(sut.Client, sut.Request);

        // SocketsHttpHandler itself throws either a TaskCanceledException around the socket's IOException (cancelled while
        // the receive was posted) or a bare cancellation (cancelled before): both clients throw a cancellation, and the
        // handler passes on the transport's own exception object.
        Assert.IsAssignableFrom<OperationCanceledException>(expected);
        Assert.IsAssignableFrom<OperationCanceledException>(actual);
        Assert.Same(actual, sut.Recorder.Call.Response.Error);
        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,error,complete:True", sut.Recorder.Compact());
    }

    [Theory]
    [PipelineShapes]
    public async Task GetAsync_CallerCancelsFromDataListener_ErrorAndTaskCanceled(PipelineShape shape)
    {
        using var cts = new CancellationTokenSource();
        using var sut = await CallUnderTest.LoopbackAsync("hang-body/100000?send=1000", shape);
        sut.Call.Once(HttpEvents.HttpData, _ => cts.Cancel());

        var actual = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sut.Client.SendAsync(sut.Request, cts.Token)).WithTimeout();

        Assert.IsType<TaskCanceledException>(actual);
        Assert.Equal(cts.Token, actual.CancellationToken);
        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,error,complete:True", sut.Recorder.Compact());
    }

    [Fact]
    public async Task Abort_AfterEnd_IsNoOp()
    {
        var server = await LoopbackServer.Shared;
        using var client = LoopbackVersions.EventingClient(http2: false, PipelineShape.OneLayer);
        EventRecorder? recorder = null;
        var call = await SendCallAsync(client, server.Url("bytes/1000"), c => recorder = new EventRecorder(c));
        var before = recorder!.Names;

        call.Abort();
        call.Abort();

        Assert.Equal(before, recorder.Names);
        Assert.Null(call.Response.Error);
        Assert.True(call.Response.IsSuccess);
    }

    [Theory]
    [PipelineShapes]
    public async Task Abort_AfterHeadersBeforeRead_EndsAtOnceAndReadThrowsAbort(PipelineShape shape)
    {
        using var sut = await CallUnderTest.LoopbackAsync("hang-body/100000?send=1000", shape);
        using var response = await sut.SendAsync(HttpCompletionOption.ResponseHeadersRead).WithTimeout();

        sut.Call.Abort();

        Assert.Equal("httpHeaders:200,error,complete:True", sut.Recorder.Compact());
        Assert.True(sut.Call.IsFinished);
        var ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await using var stream = await response.Content.ReadAsStreamAsync();
            await stream.CopyToAsync(Stream.Null);
        }).WithTimeout();
        Assert.Same(sut.Call.Response.Error, ex);
        Assert.Equal("httpHeaders:200,error,complete:True", sut.Recorder.Compact());
    }

    [Theory]
    [PipelineShapes]
    public async Task Abort_WhileBuffering_GetAsyncThrowsTheAbortException(PipelineShape shape)
    {
        using var sut = await CallUnderTest.LoopbackAsync("hang-body/100000?send=1000", shape);
        var firstData = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        sut.Call.Once(HttpEvents.HttpData, _ => firstData.TrySetResult());

        var sending = sut.SendAsync();
        await firstData.Task.WithTimeout();
        sut.Call.Abort();

        var ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sending).WithTimeout();
        Assert.Same(sut.Call.Response.Error, ex);
        Assert.Contains("aborted", ex.Message, StringComparison.Ordinal);
        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,error,complete:True", sut.Recorder.Compact());
    }

    [Theory]
    [PipelineShapes]
    public async Task Dispose_ResponseStreamMidBody_EndsInErrorAbandonedWithoutHttpDone(PipelineShape shape)
    {
        using var sut = await CallUnderTest.LoopbackAsync("bytes/1000000?chunk=4096", shape);
        using var response = await sut.SendAsync(HttpCompletionOption.ResponseHeadersRead).WithTimeout();
        var stream = await response.Content.ReadAsStreamAsync();
        await stream.ReadExactlyAsync(new byte[5000]).AsTask().WithTimeout();

        await stream.DisposeAsync();

        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,error,complete:True", sut.Recorder.Compact());
        var error = Assert.IsType<HttpCallAbandonedException>(sut.Recorder.Call.Response.Error);
        Assert.Contains("disposed", error.Message, StringComparison.Ordinal);
        Assert.True(sut.Recorder.Call.IsFinished);
        response.Dispose();
        Assert.Equal(1, sut.Recorder.Count("error"));
    }

    [Theory]
    [PipelineShapes]
    public async Task Dispose_UnreadSyncStream_EndsInErrorAbandoned(PipelineShape shape)
    {
        using var sut = await CallUnderTest.LoopbackAsync("bytes/100000", shape);
        using var response = await sut.SendAsync(HttpCompletionOption.ResponseHeadersRead).WithTimeout();
        var stream = response.Content.ReadAsStream();

        stream.Dispose();

        Assert.Equal("httpHeaders:200,error,complete:True", sut.Recorder.Compact());
        Assert.IsType<HttpCallAbandonedException>(sut.Recorder.Call.Response.Error);
    }

    [Theory]
    [PipelineShapes]
    public async Task CopyToAsync_HeadersRead_RaisesSequenceAndCopiesBytes(PipelineShape shape)
    {
        using var sut = await CallUnderTest.LoopbackAsync("bytes/300000", shape);
        using var response = await sut.SendAsync(HttpCompletionOption.ResponseHeadersRead).WithTimeout();
        var destination = new MemoryStream();

        await response.Content.CopyToAsync(destination).WithTimeout();

        Assert.Equal(LoopbackServer.Pattern(300000), destination.ToArray());
        Assert.Equal(destination.ToArray(), sut.Recorder.Body.ToArray());
        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,httpDone,success,complete:True", sut.Recorder.Compact());
    }

    [Theory]
    [PipelineShapes]
    public async Task ReadAsByteArrayAsync_HeadersRead_RaisesSequenceAndReturnsBytes(PipelineShape shape)
    {
        using var sut = await CallUnderTest.LoopbackAsync("bytes/300000?chunked=true", shape);
        using var response = await sut.SendAsync(HttpCompletionOption.ResponseHeadersRead).WithTimeout();
        Assert.False(sut.Recorder.Call.IsFinished);

        var bytes = await response.Content.ReadAsByteArrayAsync().WithTimeout();

        Assert.Equal(LoopbackServer.Pattern(300000), bytes);
        Assert.Equal(bytes, sut.Recorder.Body.ToArray());
        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,httpDone,success,complete:True", sut.Recorder.Compact());
    }

    [Theory]
    [PipelineShapes]
    public async Task ReadSpan_SyncSendHeadersRead_RaisesSequenceAndReturnsBytes(PipelineShape shape)
    {
        using var sut = await CallUnderTest.LoopbackAsync("bytes/300000", shape);

        var bytes = await Task.Factory.StartNew(
            () =>
            {
                using var response = sut.Client.Send(sut.Request, HttpCompletionOption.ResponseHeadersRead);
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
        Assert.Equal(bytes, sut.Recorder.Body.ToArray());
        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,httpDone,success,complete:True", sut.Recorder.Compact());
    }

    [Theory]
    [PipelineShapes]
    public async Task ReadByte_HeadersRead_CountsEveryByte(PipelineShape shape)
    {
        using var sut = await CallUnderTest.LoopbackAsync("bytes/300", shape);
        using var response = await sut.SendAsync(HttpCompletionOption.ResponseHeadersRead).WithTimeout();
        await using var stream = await response.Content.ReadAsStreamAsync();

        var count = 0;
        while (stream.ReadByte() >= 0)
        {
            count++;
        }

        Assert.Equal(300, count);
        Assert.Equal(300, sut.Recorder.Count("httpData"));
        Assert.Equal(LoopbackServer.Pattern(300), sut.Recorder.Body.ToArray());
        Assert.True(sut.Recorder.Call.Response.IsSuccess);
    }

    [Fact]
    public async Task SendAsync_TwoCallsOnOneClient_EachHasItsOwnEvents()
    {
        var server = await LoopbackServer.Shared;
        using var client = LoopbackVersions.EventingClient(http2: false, PipelineShape.OneLayer);
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

    [Theory]
    [PipelineShapes]
    public async Task ReadAsStream_HttpClientTimeoutAfterHeadersRead_DoesNotApplyToBody(PipelineShape shape)
    {
        // The body takes 1.5 s (10 chunks, 150 ms apart), longer than the client's 1 s timeout; the headers get all of that
        // second (a new connection under a loaded parallel test run can take a few hundred milliseconds).
        using var sut = await CallUnderTest.LoopbackAsync("bytes/10000?chunk=1000&delayMs=150", shape);
        sut.Client.Timeout = TimeSpan.FromSeconds(1);
        var started = System.Diagnostics.Stopwatch.StartNew();

        using var response = await sut.SendAsync(HttpCompletionOption.ResponseHeadersRead).WithTimeout();
        await using var stream = await response.Content.ReadAsStreamAsync();
        await stream.CopyToAsync(Stream.Null).WithTimeout();

        Assert.True(started.Elapsed > TimeSpan.FromSeconds(1), $"the body took only {started.Elapsed}");
        Assert.True(sut.Recorder.Call.Response.IsSuccess);
        Assert.Equal(10000, sut.Recorder.Body.Length);
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
    [PipelineShapes]
    public async Task SendAsync_NestedEventingHandler_OneAttemptAndEachEventOnce(PipelineShape outer)
    {
        using var sut = CallUnderTest.InMemory(new EventingHandler(InlineHandler.Generating(10_000, declareLength: true)), outer, "http://example.test/nested");

        using var response = await sut.SendAsync().WithTimeout();

        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,httpDone,success,complete:True", sut.Recorder.Compact());
        Assert.Equal(0, sut.Recorder.Count("retry"));
        Assert.Equal(0, sut.Recorder.Call.Response.RetryCount);
        Assert.Equal(1, sut.Recorder.Call.Response.Attempt);
        Assert.Equal(10_000, sut.Recorder.Body.Length);
    }
}
