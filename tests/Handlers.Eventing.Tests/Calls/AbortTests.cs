using System.Diagnostics;
using Handlers.Eventing.Tests.Infrastructure;

namespace Handlers.Eventing.Tests.Calls;

// Issue 10, defect 4: Abort() during a pending body read ends the read and the call at once, whatever remains of the body
// (not after SocketsHttpHandler's ResponseDrainTimeout of 2 s, which it applies when less than 1 MiB remains).
public class AbortTests
{
    private static readonly TimeSpan AtOnce = TimeSpan.FromMilliseconds(100);

    [Theory]
    [InlineData(false, 100_000)] // 99 KB remain: below SocketsHttpHandler's 1 MiB drain limit
    [InlineData(false, 1_000_000)] // just under 1 MiB remains
    [InlineData(false, 8_000_000)] // more than 1 MiB remains: never drained
    [InlineData(true, 100_000)]
    [InlineData(true, 8_000_000)]
    public async Task Abort_DuringPendingRead_ReadThrowsAndCompleteFiresAtOnce(bool http2, long length)
    {
        var server = await LoopbackServer.Shared;
        var key = LoopbackServer.NewKey();
        using var client = LoopbackVersions.EventingClient(http2);
        using var request = server.Request(http2, $"correctness/stall/{length}?send=1000&key={key}");
        var call = HttpCall.For(request);
        var recorder = new EventRecorder(call);
        var completed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        call.On(HttpEvents.Complete, _ => completed.TrySetResult());
        try
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WithTimeout();
            await using var stream = await response.Content.ReadAsStreamAsync();
            await stream.ReadExactlyAsync(new byte[1000]).AsTask().WithTimeout();

            // The server sent 1000 bytes and waits for the signal: this read is pending in the transport.
            var pending = stream.ReadAsync(new byte[4096]).AsTask();
            Assert.False(pending.IsCompleted);

            var clock = Stopwatch.StartNew();
            call.Abort();
            var thrown = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending.WithTimeout());
            var readEnded = clock.Elapsed;
            await completed.Task.WithTimeout();
            var callEnded = clock.Elapsed;

            Assert.True(readEnded < AtOnce, $"The pending read threw {readEnded.TotalMilliseconds:0} ms after Abort().");
            Assert.True(callEnded < AtOnce, $"complete fired {callEnded.TotalMilliseconds:0} ms after Abort().");
            Assert.Same(call.Response.Error, thrown);
            Assert.Contains("aborted", thrown.Message, StringComparison.OrdinalIgnoreCase);
            Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,error,complete:True", recorder.Compact());
            Assert.Equal(0, recorder.Count("httpError"));
        }
        finally
        {
            server.Signal(key);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Abort_DuringHttpClientBuffering_SendThrowsAndCompleteFiresAtOnce(bool http2)
    {
        var server = await LoopbackServer.Shared;
        var key = LoopbackServer.NewKey();
        using var client = LoopbackVersions.EventingClient(http2);
        using var request = server.Request(http2, $"correctness/stall/100000?send=1000&key={key}");
        var call = HttpCall.For(request);
        var firstBytes = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var completed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        call.On(HttpEvents.HttpDownloadProgress, p =>
        {
            if (p.Loaded >= 1000)
            {
                firstBytes.TrySetResult();
            }
        });
        call.On(HttpEvents.Complete, _ => completed.TrySetResult());
        try
        {
            // The default ResponseContentRead: HttpClient buffers the body inside SendAsync, which stays pending.
            var send = client.SendAsync(request);
            await firstBytes.Task.WithTimeout();

            var clock = Stopwatch.StartNew();
            call.Abort();
            var thrown = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => send.WithTimeout());
            var sendEnded = clock.Elapsed;
            await completed.Task.WithTimeout();
            var callEnded = clock.Elapsed;

            Assert.True(sendEnded < AtOnce, $"The pending send threw {sendEnded.TotalMilliseconds:0} ms after Abort().");
            Assert.True(callEnded < AtOnce, $"complete fired {callEnded.TotalMilliseconds:0} ms after Abort().");
            Assert.IsAssignableFrom<OperationCanceledException>(call.Response.Error);
            Assert.Contains("aborted", call.Response.Error!.Message, StringComparison.OrdinalIgnoreCase);
            Assert.NotNull(thrown);
        }
        finally
        {
            server.Signal(key);
        }
    }

    [Fact]
    public async Task Abort_Http2StreamMidBody_ClientServesTheNextCall()
    {
        var server = await LoopbackServer.Shared;
        var key = LoopbackServer.NewKey();
        using var client = LoopbackVersions.EventingClient(http2: true);
        using var request = server.Request(true, $"correctness/stall/100000?send=1000&key={key}");
        var call = HttpCall.For(request);
        try
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WithTimeout();
            await using var stream = await response.Content.ReadAsStreamAsync();
            await stream.ReadExactlyAsync(new byte[1000]).AsTask().WithTimeout();
            var pending = stream.ReadAsync(new byte[4096]).AsTask();

            call.Abort();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending.WithTimeout());
        }
        finally
        {
            server.Signal(key);
        }

        // Only the aborted call's stream ended: the same client (and its HTTP/2 connection) serves the next call.
        using var next = server.Request(true, "bytes/20000");
        var recorder = new EventRecorder(HttpCall.For(next));
        using var nextResponse = await client.SendAsync(next).WithTimeout();
        Assert.Equal(System.Net.HttpVersion.Version20, nextResponse.Version);
        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,httpDone,success,complete:True", recorder.Compact());
    }
}
