using Handlers.Eventing.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace Handlers.Eventing.Tests.Calls;

// Issue 23: a stalled body ends. The server declares a body, sends part of it and stalls on purpose (/correctness/stall),
// or sends it one byte per signal (/correctness/trickle). A stall is awaited as the real failure (a short timeout on the
// real clock); what must NOT time out is driven by a fake clock, advanced only while the test knows which read waits.
public class BodyIdleTimeoutTests
{
    private const int Length = 50_000;
    private const int Sent = 16_384;
    private static readonly TimeSpan s_short = TimeSpan.FromMilliseconds(300);

    [Theory]
    [HttpVersionsAndPipelineShapes]
    public async Task Stall_ReadAsync_FailsWithIdleTimeout_OneExceptionInHttpErrorErrorAndRead(bool http2, PipelineShape shape)
    {
        using var sut = await CallUnderTest.LoopbackAsync(StallPath(), shape, http2, IdleOptions(s_short), record: false);
        var call = sut.Call;
        var recorder = new EventRecorder(call, data: false, progress: false);

        await using var body = await ReadUntilStallAsync(sut);
        var (stream, buffer) = (body.Stream, body.Buffer);

        var thrown = await Assert.ThrowsAsync<HttpBodyIdleTimeoutException>(() => stream.ReadAsync(buffer.AsMemory(Sent)).AsTask().WithTimeout());
        var final = await call.Completion.WithTimeout();

        Assert.Equal(s_short, thrown.IdleTimeout);
        Assert.Equal(Sent, thrown.BytesReceived);
        Assert.Equal(
            "The response body received no byte for 0.3 s after 16384 bytes, and was abandoned. Raise ResponseBodyOptions.IdleTimeout " +
            "(or HttpCall.BodyIdleTimeout for this call) if the server may pause that long.",
            thrown.Message);
        Assert.IsAssignableFrom<HttpIOException>(thrown);
        Assert.Same(thrown, final.Error);
        Assert.Same(thrown, Assert.Single(recorder.HttpErrors));
        Assert.Equal("httpHeaders:200,httpError,error,complete:True", string.Join(',', recorder.Names));
        Assert.Equal(Sent, final.BytesReceived);

        // The body stays failed: a later read throws the same error.
        Assert.Same(thrown, await Assert.ThrowsAsync<HttpBodyIdleTimeoutException>(() => stream.ReadAsync(buffer).AsTask()));
    }

    [Theory]
    [HttpVersionsAndPipelineShapes]
    public async Task Stall_SyncRead_FailsWithIdleTimeout(bool http2, PipelineShape shape)
    {
        using var sut = await CallUnderTest.LoopbackAsync(StallPath(), shape, http2, IdleOptions(s_short), record: false);
        var call = sut.Call;

        using var response = await sut.SendAsync(HttpCompletionOption.ResponseHeadersRead).WithTimeout();
        var thrown = await Task.Run(() =>
        {
            using var stream = response.Content.ReadAsStream();
            var buffer = new byte[Length];
            stream.ReadExactly(buffer, 0, Sent);
            return Assert.Throws<HttpBodyIdleTimeoutException>(() => stream.Read(buffer, Sent, Length - Sent));
        }).WithTimeout();

        var final = await call.Completion.WithTimeout();
        Assert.Same(thrown, final.Error);
        Assert.Equal(Sent, thrown.BytesReceived);
    }

    [Theory]
    [HttpVersionsAndPipelineShapes]
    public async Task Stall_StreamCopyToAsync_FailsWithIdleTimeout(bool http2, PipelineShape shape)
    {
        using var sut = await CallUnderTest.LoopbackAsync(StallPath(), shape, http2, IdleOptions(s_short), record: false);
        var call = sut.Call;

        using var response = await sut.SendAsync(HttpCompletionOption.ResponseHeadersRead).WithTimeout();
        await using var stream = await response.Content.ReadAsStreamAsync();
        var copy = new MemoryStream();
        var thrown = await Assert.ThrowsAsync<HttpBodyIdleTimeoutException>(() => stream.CopyToAsync(copy).WithTimeout());

        Assert.Same(thrown, (await call.Completion.WithTimeout()).Error);
        Assert.Equal(Sent, copy.Length);
    }

    [Theory]
    [HttpVersionsAndPipelineShapes]
    public async Task Stall_ContentCopyToAsync_WrappedInHttpRequestExceptionAsEveryIOException(bool http2, PipelineShape shape)
    {
        using var sut = await CallUnderTest.LoopbackAsync(StallPath(), shape, http2, IdleOptions(s_short), record: false);
        var call = sut.Call;
        var recorder = new EventRecorder(call, data: false, progress: false);

        using var response = await sut.SendAsync(HttpCompletionOption.ResponseHeadersRead).WithTimeout();
        var copy = new MemoryStream();
        var thrown = await Assert.ThrowsAsync<HttpRequestException>(() => response.Content.CopyToAsync(copy).WithTimeout());

        var stall = Assert.IsType<HttpBodyIdleTimeoutException>(thrown.InnerException);
        Assert.Same(stall, (await call.Completion.WithTimeout()).Error);
        Assert.Same(stall, Assert.Single(recorder.HttpErrors));
        Assert.Equal(Sent, copy.Length);
    }

    [Theory]
    [HttpVersionsAndPipelineShapes]
    public async Task Stall_SyncContentCopyTo_WrappedInHttpRequestException(bool http2, PipelineShape shape)
    {
        using var sut = await CallUnderTest.LoopbackAsync(StallPath(), shape, http2, IdleOptions(s_short), record: false);
        var call = sut.Call;

        using var response = await sut.SendAsync(HttpCompletionOption.ResponseHeadersRead).WithTimeout();
        var thrown = await Task.Run(() => Assert.Throws<HttpRequestException>(() => response.Content.CopyTo(new MemoryStream(), null, default)))
            .WithTimeout();

        Assert.Same(Assert.IsType<HttpBodyIdleTimeoutException>(thrown.InnerException), (await call.Completion.WithTimeout()).Error);
    }

    [Theory]
    [HttpVersionsAndPipelineShapes]
    public async Task Stall_HttpClientBuffering_SendAsyncThrowsWrappedStall(bool http2, PipelineShape shape)
    {
        using var sut = await CallUnderTest.LoopbackAsync(StallPath(), shape, http2, IdleOptions(s_short), record: false);
        var call = sut.Call;
        var recorder = new EventRecorder(call, data: false, progress: false);

        var thrown = await Assert.ThrowsAsync<HttpRequestException>(() => sut.SendAsync().WithTimeout());

        var stall = Assert.IsType<HttpBodyIdleTimeoutException>(thrown.InnerException);
        Assert.Same(stall, (await call.Completion.WithTimeout()).Error);
        Assert.Equal("httpHeaders:200,httpError,error,complete:True", string.Join(',', recorder.Names));
    }

    [Theory]
    [HttpVersionsAndPipelineShapes]
    public async Task Stall_AwsStyleSendAsync_ThrowsTheStall(bool http2, PipelineShape shape)
    {
        using var sut = await CallUnderTest.LoopbackAsync(StallPath(), shape, http2, IdleOptions(s_short), createCall: true, record: false);
        var call = sut.Call;
        long loaded = 0;
        call.On(HttpEvents.HttpData, e => loaded += e.Chunk.Length);

        var thrown = await Assert.ThrowsAsync<HttpBodyIdleTimeoutException>(() => call.SendAsync().WithTimeout());

        Assert.Same(thrown, call.Response.Error);
        Assert.Equal(Sent, loaded);
        Assert.Equal(Sent, thrown.BytesReceived);
    }

    [Theory]
    [HttpVersionsAndPipelineShapes]
    public async Task SlowConsumer_ClockStopsBetweenReads_NeverTimesOut(bool http2, PipelineShape shape)
    {
        var time = new FakeTimeProvider();
        var key = LoopbackServer.NewKey();
        using var sut = await CallUnderTest.LoopbackAsync(StallPath(key), shape, http2, IdleOptions(s_short, time), record: false);
        var call = sut.Call;

        await using var body = await ReadUntilStallAsync(sut);
        var (stream, buffer) = (body.Stream, body.Buffer);

        // The caller holds the body without reading for ten timeouts: no read waits, so no clock runs.
        time.Advance(s_short * 10);
        sut.Server.Signal(key);
        await stream.ReadExactlyAsync(buffer.AsMemory(Sent)).AsTask().WithTimeout();

        var final = await call.Completion.WithTimeout();
        Assert.Null(final.Error);
        Assert.Equal(LoopbackServer.Pattern(Length), buffer);
    }

    [Theory]
    [HttpVersionsAndPipelineShapes]
    public async Task Trickle_EveryByteRestartsTheClock_NeverTimesOut(bool http2, PipelineShape shape)
    {
        const int bytes = 5;
        var time = new FakeTimeProvider();
        var key = LoopbackServer.NewKey();
        using var sut = await CallUnderTest.LoopbackAsync($"correctness/trickle/{bytes}?key={key}", shape, http2, IdleOptions(s_short, time), record: false);
        var call = sut.Call;

        using var response = await sut.SendAsync(HttpCompletionOption.ResponseHeadersRead).WithTimeout();
        await using var stream = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[bytes];
        for (var i = 0; i < bytes; i++)
        {
            // The read waits (its clock armed when ReadAsync returned), 60 % of the timeout passes, then one byte arrives:
            // 3 timeouts in all, never one without a byte.
            var read = stream.ReadAsync(buffer.AsMemory(i, 1)).AsTask();
            time.Advance(s_short * 0.6);
            sut.Server.Signal($"{key}-{i}");
            Assert.Equal(1, await read.WithTimeout());
        }

        var final = await call.Completion.WithTimeout();
        Assert.Null(final.Error);
        Assert.Equal(LoopbackServer.Pattern(bytes), buffer);
    }

    [Theory]
    [HttpVersionsAndPipelineShapes]
    public async Task FakeClock_WaitingReadFailsWhenTheTimeoutPasses(bool http2, PipelineShape shape)
    {
        var time = new FakeTimeProvider();
        using var sut = await CallUnderTest.LoopbackAsync(StallPath(), shape, http2, IdleOptions(TimeSpan.FromMinutes(5), time), record: false);
        var call = sut.Call;

        await using var body = await ReadUntilStallAsync(sut);
        var (stream, buffer) = (body.Stream, body.Buffer);

        var read = stream.ReadAsync(buffer.AsMemory(Sent)).AsTask();
        time.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromTicks(1));
        Assert.False(read.IsCompleted);
        time.Advance(TimeSpan.FromTicks(1));

        var thrown = await Assert.ThrowsAsync<HttpBodyIdleTimeoutException>(() => read.WithTimeout());
        Assert.Equal(TimeSpan.FromMinutes(5), thrown.IdleTimeout);
        Assert.Same(thrown, (await call.Completion.WithTimeout()).Error);
    }

    [Theory]
    [HttpVersionsAndPipelineShapes]
    public async Task PerCallOverride_InfiniteOnAClientWithATimeout_NeverTimesOut(bool http2, PipelineShape shape)
    {
        var time = new FakeTimeProvider();
        var key = LoopbackServer.NewKey();
        using var sut = await CallUnderTest.LoopbackAsync(StallPath(key), shape, http2, IdleOptions(s_short, time), record: false);
        var call = sut.Call;
        call.BodyIdleTimeout = Timeout.InfiniteTimeSpan;

        await using var body = await ReadUntilStallAsync(sut);
        var (stream, buffer) = (body.Stream, body.Buffer);
        var rest = stream.ReadExactlyAsync(buffer.AsMemory(Sent)).AsTask();
        time.Advance(s_short * 10);
        sut.Server.Signal(key);
        await rest.WithTimeout();

        Assert.Null((await call.Completion.WithTimeout()).Error);
    }

    [Theory]
    [HttpVersionsAndPipelineShapes]
    public async Task PerCallOverride_TimeoutOnAClientWithout_FailsTheStalledRead(bool http2, PipelineShape shape)
    {
        using var sut = await CallUnderTest.LoopbackAsync(StallPath(), shape, http2, new EventingOptions(), record: false);
        var call = sut.Call;
        call.BodyIdleTimeout = s_short;

        using var response = await sut.SendAsync(HttpCompletionOption.ResponseHeadersRead).WithTimeout();
        await using var stream = await response.Content.ReadAsStreamAsync();
        var thrown = await Assert.ThrowsAsync<HttpBodyIdleTimeoutException>(() => stream.CopyToAsync(Stream.Null).WithTimeout());

        Assert.Equal(s_short, thrown.IdleTimeout);
    }

    [Theory]
    [PipelineShapes]
    public async Task PerCallOverride_SetInOnCall_Applies(PipelineShape shape)
    {
        using var sut = await CallUnderTest.LoopbackAsync(
            StallPath(), shape, options: new EventingOptions().OnCall(c => c.BodyIdleTimeout = s_short), record: false);
        using var response = await sut.SendAsync(HttpCompletionOption.ResponseHeadersRead).WithTimeout();
        await using var stream = await response.Content.ReadAsStreamAsync();

        await Assert.ThrowsAsync<HttpBodyIdleTimeoutException>(() => stream.CopyToAsync(Stream.Null).WithTimeout());
    }

    [Theory]
    [HttpVersionsAndPipelineShapes]
    public async Task StallThenAbort_AbortWins_NoHttpError(bool http2, PipelineShape shape)
    {
        var time = new FakeTimeProvider();
        using var sut = await CallUnderTest.LoopbackAsync(StallPath(), shape, http2, IdleOptions(s_short, time), record: false);
        var call = sut.Call;
        var recorder = new EventRecorder(call, data: false, progress: false);

        await using var body = await ReadUntilStallAsync(sut);
        var (stream, buffer) = (body.Stream, body.Buffer);
        var read = stream.ReadAsync(buffer.AsMemory(Sent)).AsTask();
        call.Abort();

        var thrown = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read.WithTimeout());
        var final = await call.Completion.WithTimeout();
        Assert.Same(thrown, final.Error);
        Assert.Contains("abort", thrown.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("httpHeaders:200,error,complete:True", string.Join(',', recorder.Names));

        // The clock was released with the body: time passing changes nothing.
        time.Advance(s_short * 10);
        Assert.Same(thrown, call.Response.Error);
        Assert.Empty(recorder.HttpErrors);
    }

    [Theory]
    [HttpVersionsAndPipelineShapes]
    public async Task StallAndCallerCancellation_CallerTokenWins_NoHttpError(bool http2, PipelineShape shape)
    {
        var time = new FakeTimeProvider();
        using var sut = await CallUnderTest.LoopbackAsync(StallPath(), shape, http2, IdleOptions(s_short, time), record: false);
        var call = sut.Call;
        var recorder = new EventRecorder(call, data: false, progress: false);

        await using var body = await ReadUntilStallAsync(sut);
        var (stream, buffer) = (body.Stream, body.Buffer);
        using var cancellation = new CancellationTokenSource();
        var read = stream.ReadAsync(buffer.AsMemory(Sent), cancellation.Token).AsTask();
        cancellation.Cancel();

        var thrown = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read.WithTimeout());
        Assert.Equal(cancellation.Token, thrown.CancellationToken);
        Assert.Same(thrown, (await call.Completion.WithTimeout()).Error);
        time.Advance(s_short * 10);
        Assert.Empty(recorder.HttpErrors);
        Assert.Equal("httpHeaders:200,error,complete:True", string.Join(',', recorder.Names));
    }

    [Fact]
    public void Options_InvalidIdleTimeouts_ThrowArgumentOutOfRange()
    {
        var body = new ResponseBodyOptions();
        Assert.Equal(Timeout.InfiniteTimeSpan, body.IdleTimeout);
        foreach (var invalid in new[] { TimeSpan.Zero, TimeSpan.FromSeconds(-1), TimeSpan.FromMilliseconds(int.MaxValue + 1.0) })
        {
            var thrown = Assert.Throws<ArgumentOutOfRangeException>(() => body.IdleTimeout = invalid);
            Assert.Contains("InfiniteTimeSpan", thrown.Message, StringComparison.Ordinal);
            Assert.Throws<ArgumentOutOfRangeException>(() => HttpCall.For(new HttpRequestMessage()).BodyIdleTimeout = invalid);
        }

        body.IdleTimeout = TimeSpan.FromSeconds(30);
        body.IdleTimeout = Timeout.InfiniteTimeSpan;
        Assert.Throws<ArgumentNullException>(() => new EventingOptions().ResponseBody = null!);
        Assert.Throws<ArgumentNullException>(() => new EventingOptions().TimeProvider = null!);
    }

    [Theory]
    [PipelineShapes]
    public async Task Options_ChangedAfterTheHandlerWasBuilt_DoNotReachIt(PipelineShape shape)
    {
        var options = IdleOptions(s_short);
        using var sut = await CallUnderTest.LoopbackAsync(StallPath(), shape, options: options, record: false);
        options.ResponseBody.IdleTimeout = Timeout.InfiniteTimeSpan;

        using var response = await sut.SendAsync(HttpCompletionOption.ResponseHeadersRead).WithTimeout();
        await using var stream = await response.Content.ReadAsStreamAsync();
        await Assert.ThrowsAsync<HttpBodyIdleTimeoutException>(() => stream.CopyToAsync(Stream.Null).WithTimeout());
    }

    /// <summary>Sends the request of <paramref name="sut"/>, opens its body and reads the <see cref="Sent"/> bytes the server sends before it stalls.</summary>
    private static async Task<OpenBody> ReadUntilStallAsync(CallUnderTest sut)
    {
        var response = await sut.SendAsync(HttpCompletionOption.ResponseHeadersRead).WithTimeout();
        var stream = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[Length];
        await stream.ReadExactlyAsync(buffer.AsMemory(0, Sent)).AsTask().WithTimeout();
        return new OpenBody(response, stream, buffer);
    }

    private static EventingOptions IdleOptions(TimeSpan timeout, TimeProvider? time = null)
    {
        var options = new EventingOptions { ResponseBody = new ResponseBodyOptions { IdleTimeout = timeout } };
        if (time is not null)
        {
            options.TimeProvider = time;
        }

        return options;
    }

    private static string StallPath(string? key = null) => $"correctness/stall/{Length}?send={Sent}&key={key ?? LoopbackServer.NewKey()}";

    /// <summary>A response whose body the test reads, disposed (stream, then response) at the end of the test.</summary>
    private sealed record OpenBody(HttpResponseMessage Response, Stream Stream, byte[] Buffer) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Stream.DisposeAsync();
            Response.Dispose();
        }
    }
}
