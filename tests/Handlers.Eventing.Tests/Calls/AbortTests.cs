using System.Diagnostics;
using Handlers.Eventing.Testing;
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
    [PipelineShapes(false, 100_000L)] // 99 KB remain: below SocketsHttpHandler's 1 MiB drain limit
    [PipelineShapes(false, 1_000_000L)] // just under 1 MiB remains
    [PipelineShapes(false, 8_000_000L)] // more than 1 MiB remains: never drained
    [PipelineShapes(true, 100_000L)]
    [PipelineShapes(true, 8_000_000L)]
    public async Task Abort_DuringPendingRead_ReadThrowsAndCompleteFiresAtOnce(bool http2, long length, PipelineShape shape)
    {
        var server = await LoopbackServer.Shared;
        using var client = LoopbackVersions.EventingClient(http2, shape);
        _ = await AbortPendingReadAsync(server, client, http2, length);

        var (readEnded, callEnded) = await AbortPendingReadAsync(server, client, http2, length);

        Assert.True(readEnded < AtOnce, $"The pending read threw {readEnded.TotalMilliseconds:0} ms after Abort().");
        Assert.True(callEnded < AtOnce, $"complete fired {callEnded.TotalMilliseconds:0} ms after Abort().");
    }

    [Theory]
    [HttpVersionsAndPipelineShapes]
    public async Task Abort_DuringHttpClientBuffering_SendThrowsAndCompleteFiresAtOnce(bool http2, PipelineShape shape)
    {
        var server = await LoopbackServer.Shared;
        using var client = LoopbackVersions.EventingClient(http2, shape);
        _ = await AbortBufferingAsync(server, client, http2);

        var (sendEnded, callEnded) = await AbortBufferingAsync(server, client, http2);

        Assert.True(sendEnded < AtOnce, $"The pending send threw {sendEnded.TotalMilliseconds:0} ms after Abort().");
        Assert.True(callEnded < AtOnce, $"complete fired {callEnded.TotalMilliseconds:0} ms after Abort().");
    }

    [Theory]
    [PipelineShapes]
    public async Task Abort_Http2StreamMidBody_ClientServesTheNextCall(PipelineShape shape)
    {
        var key = LoopbackServer.NewKey();
        using var sut = await CallUnderTest.LoopbackAsync($"correctness/stall/100000?send=1000&key={key}", shape, http2: true, record: false);
        var (server, client, call) = (sut.Server, sut.Client, sut.Call);
        try
        {
            using var response = await sut.SendAsync(HttpCompletionOption.ResponseHeadersRead).WithTimeout();
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

    // Issue 19, defect 3: a synchronous Read blocked in the transport is released by Abort() at once, not by the transport's
    // drain timeout (here 30 s): ~100 KB of the body are never sent, below SocketsHttpHandler's 1 MiB drain limit. The test
    // aborts only once the read has entered the transport (a probe stream below the handler says so), so it exercises the
    // blocked read, not a read that starts after the abort.
    [Theory]
    [HttpVersionsAndPipelineShapes]
    public async Task Abort_DuringBlockedSyncRead_ReadThrowsWithinSeconds(bool http2, PipelineShape shape)
    {
        var server = await LoopbackServer.Shared;
        var probe = new ReadProbeHandler(new SocketsHttpHandler { ResponseDrainTimeout = TimeSpan.FromSeconds(30) });
        using var client = LoopbackVersions.Client(http2, EventingPipeline.Create(probe, shape));
        using var request = server.Request(http2, "hang-body/200000?send=100000");
        var call = HttpCall.For(request);

        // Sent asynchronously (SocketsHttpHandler's synchronous Send is HTTP/1.1 only), read synchronously on a thread of its own.
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WithTimeout();
        var reader = Task.Factory.StartNew(
            () =>
            {
                using var stream = response.Content.ReadAsStream();
                stream.ReadExactly(new byte[100_000]);
                probe.Arm();
                return Record.Exception(() => stream.ReadExactly(new byte[1]));
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);

        await probe.ReadEntered.WithTimeout();
        var aborted = Stopwatch.StartNew();
        call.Abort();
        var thrown = await reader.WithTimeout(TimeSpan.FromSeconds(5));

        Assert.IsAssignableFrom<OperationCanceledException>(thrown);
        Assert.True(aborted.Elapsed < TimeSpan.FromSeconds(5), $"The blocked read ended {aborted.ElapsedMilliseconds} ms after Abort().");
        Assert.IsAssignableFrom<OperationCanceledException>((await call.Completion.WithTimeout()).Error);
    }

    /// <summary>Wraps each response body in a stream that signals when a read enters it after <see cref="Arm"/>.</summary>
    private sealed class ReadProbeHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private volatile bool _armed;

        public Task ReadEntered => _entered.Task;

        public void Arm() => _armed = true;

        protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Wrap(base.Send(request, cancellationToken));

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Wrap(await base.SendAsync(request, cancellationToken));

        private HttpResponseMessage Wrap(HttpResponseMessage response)
        {
            var content = new StreamContent(new ProbeStream(response.Content.ReadAsStream(), this));
            foreach (var header in response.Content.Headers)
            {
                content.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }

            response.Content = content;
            return response;
        }

        private sealed class ProbeStream(Stream inner, ReadProbeHandler owner) : ReadOnlyStream
        {
            public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

            public override int Read(Span<byte> buffer)
            {
                Entered();
                return inner.Read(buffer);
            }

            public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
            {
                Entered();
                return inner.ReadAsync(buffer, cancellationToken);
            }

            public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
                ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

            protected override void Dispose(bool disposing)
            {
                if (disposing)
                {
                    inner.Dispose();
                }

                base.Dispose(disposing);
            }

            private void Entered()
            {
                if (owner._armed)
                {
                    owner._entered.TrySetResult();
                }
            }
        }
    }
}
