using System.Net;
using Handlers.Eventing.Internal;
using Handlers.Eventing.Tests.Infrastructure;

namespace Handlers.Eventing.Tests.Calls.Internal;

/// <summary>
/// The body observer alone, without a server or a handler: a started call, one attempt, and a response whose content is
/// observed, driven through the same calls the handlers make.
/// </summary>
public class ResponseBodyObserverTests
{
    [Fact]
    public async Task Read_ContentLengthBytesDelivered_EndsTheBodyWithoutAZeroByteRead()
    {
        var (call, recorder, response) = Returned(HttpStatusCode.OK, new byte[1000]);
        var stream = await response.Content.ReadAsStreamAsync();

        await stream.ReadExactlyAsync(new byte[1000]);

        Assert.True(call.IsFinished);
        Assert.Null(call.Response.Error);
        Assert.Equal(["httpHeaders:200", "httpDownloadProgress", "httpData", "httpDone", "success", "complete:True"], recorder.Names);
        Assert.Equal(1000, recorder.DownloadProgress.Last().Loaded);
    }

    [Fact]
    public async Task Dispose_SuccessStatusBeforeTheEnd_EndsWithTheAbandonException()
    {
        var (call, _, response) = Returned(HttpStatusCode.OK, new byte[1000]);
        var stream = await response.Content.ReadAsStreamAsync();
        await stream.ReadExactlyAsync(new byte[10]);

        response.Dispose();

        var error = Assert.IsType<HttpCallAbandonedException>(call.Response.Error);
        Assert.Contains("after 10 of 1000 bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Dispose_ErrorStatusUnread_EndsWithTheStatusError()
    {
        var (call, recorder, response) = Returned(HttpStatusCode.ServiceUnavailable, new byte[1000]);

        response.Dispose();

        var error = Assert.IsType<HttpRequestException>(call.Response.Error);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, error.StatusCode);
        Assert.Equal("httpHeaders:503,error,complete:True", recorder.Compact());
    }

    [Fact]
    public void OnHeaders_ResponseToHead_EndsAtTheHeadersWithZeroOfZero()
    {
        var (call, recorder, _) = Returned(HttpStatusCode.OK, new byte[1000], HttpMethod.Head);

        Assert.True(call.IsFinished);
        Assert.Null(call.Response.Error);
        Assert.Equal(["httpHeaders:200", "httpDownloadProgress", "httpDone", "success", "complete:True"], recorder.Names);
        var progress = Assert.Single(recorder.DownloadProgress);
        Assert.Equal((0L, 0L), (progress.Loaded, progress.Total!.Value));
    }

    [Fact]
    public async Task Abort_NoPendingRead_EndsTheCallAtOnceAndLaterReadsThrowTheAbort()
    {
        var (call, recorder, response) = Returned(HttpStatusCode.OK, new byte[1000]);
        var stream = await response.Content.ReadAsStreamAsync();
        await stream.ReadExactlyAsync(new byte[10]);

        call.Abort();

        Assert.True(call.IsFinished);
        var aborted = Assert.IsType<OperationCanceledException>(call.Response.Error);
        var thrown = await Assert.ThrowsAsync<OperationCanceledException>(async () => await stream.ReadAtLeastAsync(new byte[10], 1));
        Assert.Same(aborted, thrown);
        Assert.EndsWith("error,complete:True", recorder.Compact(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadToken_CallerCancelsThePendingRead_ThrowsWithTheCallersToken()
    {
        var pending = new PendingStream();
        var (call, _, response) = Returned(HttpStatusCode.OK, new StreamContent(pending));
        var stream = await response.Content.ReadAsStreamAsync();
        using var caller = new CancellationTokenSource();

        var read = stream.ReadAsync(new byte[10], caller.Token).AsTask();
        await pending.Started.WithTimeout();
        await caller.CancelAsync();

        var thrown = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read).WithTimeout();
        Assert.Equal(caller.Token, thrown.CancellationToken);
        Assert.Same(thrown, call.Response.Error);
    }

    [Fact]
    public async Task Abort_PendingRead_CancelsItAtOnce()
    {
        var pending = new PendingStream();
        var (call, _, response) = Returned(HttpStatusCode.OK, new StreamContent(pending));
        var stream = await response.Content.ReadAsStreamAsync();

        var read = stream.ReadAsync(new byte[10]).AsTask();
        await pending.Started.WithTimeout();
        call.Abort();

        var thrown = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read).WithTimeout();
        Assert.Same(call.Response.Error, thrown);
        Assert.True(call.IsFinished);
    }

    private static (HttpCall Call, EventRecorder Recorder, HttpResponseMessage Response) Returned(
        HttpStatusCode status, byte[] body, HttpMethod? method = null) =>
        Returned(status, new ByteArrayContent(body), method);

    /// <summary>Starts a call, runs one attempt to its headers and returns the response, as the two handlers would.</summary>
    private static (HttpCall Call, EventRecorder Recorder, HttpResponseMessage Response) Returned(
        HttpStatusCode status, HttpContent content, HttpMethod? method = null)
    {
        var request = new HttpRequestMessage(method ?? HttpMethod.Get, "http://localhost/");
        var call = HttpCall.For(request);
        var recorder = new EventRecorder(call);
        var token = CancellationToken.None;
        Assert.True(call.TryStart(new EventingOptions(), services: null, ref token));
        var attempt = call.BeginAttempt(request)!;
        var response = attempt.OnHeaders(new HttpResponseMessage(status) { Content = content, RequestMessage = request });
        return (call, recorder, call.OnResponse(response));
    }

    /// <summary>A body whose reads never complete until cancelled.</summary>
    private sealed class PendingStream : Stream
    {
        private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Started => _started.Task;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            _started.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return 0;
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
