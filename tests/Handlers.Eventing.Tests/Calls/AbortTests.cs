using System.Diagnostics;
using Handlers.Eventing.Tests.Infrastructure;

namespace Handlers.Eventing.Tests.Calls;

// Issue 10, defect 4: Abort() during a pending body read ends the read and the call at once, whatever remains of the body
// (not after SocketsHttpHandler's ResponseDrainTimeout of 2 s, which it applies when less than 1 MiB remains).
public class AbortTests
{
    private static readonly TimeSpan AtOnce = TimeSpan.FromMilliseconds(100);

    // The times are taken where the signals happen (inside the complete listener, and in a synchronous continuation of
    // the pending operation), so that they measure the call, not how long the thread pool takes to resume the test. Each
    // test runs its scenario once unmeasured first, so that the first abort of the run does not pay for JIT compilation.

    [Theory]
    [InlineData(false, 100_000)] // 99 KB remain: below SocketsHttpHandler's 1 MiB drain limit
    [InlineData(false, 1_000_000)] // just under 1 MiB remains
    [InlineData(false, 8_000_000)] // more than 1 MiB remains: never drained
    [InlineData(true, 100_000)]
    [InlineData(true, 8_000_000)]
    public async Task Abort_DuringPendingRead_ReadThrowsAndCompleteFiresAtOnce(bool http2, long length)
    {
        var server = await LoopbackServer.Shared;
        using var client = LoopbackVersions.EventingClient(http2);
        _ = await AbortPendingReadAsync(server, client, http2, length);

        var (readEnded, callEnded) = await AbortPendingReadAsync(server, client, http2, length);

        Assert.True(readEnded < AtOnce, $"The pending read threw {readEnded.TotalMilliseconds:0} ms after Abort().");
        Assert.True(callEnded < AtOnce, $"complete fired {callEnded.TotalMilliseconds:0} ms after Abort().");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Abort_DuringHttpClientBuffering_SendThrowsAndCompleteFiresAtOnce(bool http2)
    {
        var server = await LoopbackServer.Shared;
        using var client = LoopbackVersions.EventingClient(http2);
        _ = await AbortBufferingAsync(server, client, http2);

        var (sendEnded, callEnded) = await AbortBufferingAsync(server, client, http2);

        Assert.True(sendEnded < AtOnce, $"The pending send threw {sendEnded.TotalMilliseconds:0} ms after Abort().");
        Assert.True(callEnded < AtOnce, $"complete fired {callEnded.TotalMilliseconds:0} ms after Abort().");
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

    // Aborts a call whose body read is pending (the server sent 1000 bytes, then waits) and returns when, after Abort(),
    // the read threw and complete fired.
    private static async Task<(TimeSpan ReadEnded, TimeSpan CallEnded)> AbortPendingReadAsync(
        LoopbackServer server, HttpClient client, bool http2, long length)
    {
        var key = LoopbackServer.NewKey();
        using var request = server.Request(http2, $"correctness/stall/{length}?send=1000&key={key}");
        var call = HttpCall.For(request);
        var recorder = new EventRecorder(call);
        var clock = new Stopwatch();
        var completed = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        call.On(HttpEvents.Complete, _ => completed.TrySetResult(clock.Elapsed));
        try
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WithTimeout();
            await using var stream = await response.Content.ReadAsStreamAsync();
            await stream.ReadExactlyAsync(new byte[1000]).AsTask().WithTimeout();

            // The server sent 1000 bytes and waits for the signal: this read is pending in the transport.
            var pending = stream.ReadAsync(new byte[4096]).AsTask();
            Assert.False(pending.IsCompleted);
            var pendingEnded = StampWhenDone(pending, clock);

            clock.Start();
            call.Abort();
            var thrown = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending.WithTimeout());
            var readEnded = await pendingEnded.WithTimeout();
            var callEnded = await completed.Task.WithTimeout();

            Assert.Same(call.Response.Error, thrown);
            Assert.Contains("aborted", thrown.Message, StringComparison.OrdinalIgnoreCase);
            Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,error,complete:True", recorder.Compact());
            Assert.Equal(0, recorder.Count("httpError"));
            return (readEnded, callEnded);
        }
        finally
        {
            server.Signal(key);
        }
    }

    // Aborts a call while HttpClient buffers its body inside SendAsync (the default ResponseContentRead) and returns when,
    // after Abort(), the send threw and complete fired.
    private static async Task<(TimeSpan SendEnded, TimeSpan CallEnded)> AbortBufferingAsync(LoopbackServer server, HttpClient client, bool http2)
    {
        var key = LoopbackServer.NewKey();
        using var request = server.Request(http2, $"correctness/stall/100000?send=1000&key={key}");
        var call = HttpCall.For(request);
        var firstBytes = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var clock = new Stopwatch();
        var completed = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        call.On(HttpEvents.HttpDownloadProgress, p =>
        {
            if (p.Loaded >= 1000)
            {
                firstBytes.TrySetResult();
            }
        });
        call.On(HttpEvents.Complete, _ => completed.TrySetResult(clock.Elapsed));
        try
        {
            // The default ResponseContentRead: HttpClient buffers the body inside SendAsync, which stays pending.
            var send = client.SendAsync(request);
            await firstBytes.Task.WithTimeout();
            var sendStamped = StampWhenDone(send, clock);

            clock.Start();
            call.Abort();
            var thrown = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => send.WithTimeout());
            var sendEnded = await sendStamped.WithTimeout();
            var callEnded = await completed.Task.WithTimeout();

            Assert.IsAssignableFrom<OperationCanceledException>(call.Response.Error);
            Assert.Contains("aborted", call.Response.Error!.Message, StringComparison.OrdinalIgnoreCase);
            Assert.NotNull(thrown);
            return (sendEnded, callEnded);
        }
        finally
        {
            server.Signal(key);
        }
    }

    private static Task<TimeSpan> StampWhenDone(Task task, Stopwatch clock) =>
        task.ContinueWith(_ => clock.Elapsed, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
}
