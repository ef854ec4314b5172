using System.Net;
using Handlers.Eventing.Tests.Infrastructure;

namespace Handlers.Eventing.Tests.Calls;

public class EventingHandlerSmokeTests
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
    public async Task Upload_LargeByteArray_ReportsManyProgressEvents()
    {
        var server = await LoopbackServer.Shared;
        using var client = NewClient();
        var body = new byte[10 * 1024 * 1024];
        using var request = new HttpRequestMessage(HttpMethod.Post, server.Url("upload")) { Content = new ByteArrayContent(body) };
        var recorder = new EventRecorder(HttpCall.For(request));
        var content = request.Content;

        using var response = await client.SendAsync(request).WithTimeout();

        Assert.Equal(body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), await response.Content.ReadAsStringAsync());
        Assert.True(recorder.UploadProgress.Count >= 100, $"only {recorder.UploadProgress.Count} upload events");
        Assert.Equal(body.Length, recorder.UploadProgress.Last().Loaded);
        Assert.Equal(body.Length, recorder.UploadProgress.Last().Total);
        Assert.Same(content, request.Content);
        Assert.StartsWith("httpUploadProgress*,httpHeaders:200", recorder.Compact(), StringComparison.Ordinal);
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
}
