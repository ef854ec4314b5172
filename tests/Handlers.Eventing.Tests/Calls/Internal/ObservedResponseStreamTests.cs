using System.Net;
using Handlers.Eventing.Tests.Infrastructure;

namespace Handlers.Eventing.Tests.Calls.Internal;

/// <summary>
/// The response stream the caller reads, through the public surface: it behaves as a plain response stream (capabilities,
/// every read method, zero-length reads) while it raises the body events. Found by mutation testing (docs/testing.md).
/// </summary>
public class ObservedResponseStreamTests
{
    private const string Url = "http://example.test/stream";

    [Fact]
    public async Task ResponseStream_Capabilities_ThoseOfAPlainResponseStream()
    {
        var (_, _, response) = await SendAsync(new ScriptedStream(false, ScriptedStream.Chunk(10)), length: 10);
        await using var stream = await response.Content.ReadAsStreamAsync();

        Assert.True(stream.CanRead);
        Assert.False(stream.CanSeek);
        Assert.False(stream.CanWrite);
        // The messages say what is wrong and what to do instead.
        Assert.Contains("does not support seeking", Assert.Throws<NotSupportedException>(() => stream.Length).Message, StringComparison.Ordinal);
        Assert.Contains("does not support seeking", Assert.Throws<NotSupportedException>(() => stream.Position).Message, StringComparison.Ordinal);
        Assert.Contains("does not support seeking", Assert.Throws<NotSupportedException>(() => stream.Position = 0).Message, StringComparison.Ordinal);
        Assert.Contains("does not support seeking", Assert.Throws<NotSupportedException>(() => stream.Seek(0, SeekOrigin.Begin)).Message, StringComparison.Ordinal);
        Assert.Contains("read-only", Assert.Throws<NotSupportedException>(() => stream.SetLength(0)).Message, StringComparison.Ordinal);
        Assert.Contains("read-only", Assert.Throws<NotSupportedException>(() => stream.Write(new byte[1], 0, 1)).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ReadAsync_ZeroLengthBuffer_ReturnsZeroWithoutEndingTheBody(bool sync)
    {
        var (call, recorder, response) = await SendAsync(new ScriptedStream(false, ScriptedStream.Chunk(10), ScriptedStream.Chunk(10)), length: 20);
        var stream = await response.Content.ReadAsStreamAsync();
        await stream.ReadExactlyAsync(new byte[10]).AsTask().WithTimeout();

        var read = sync ? stream.Read(Array.Empty<byte>(), 0, 0) : await stream.ReadAsync(Memory<byte>.Empty).AsTask().WithTimeout();

        Assert.Equal(0, read);
        Assert.False(call.IsFinished);
        Assert.Equal(0, recorder.Count("httpDone"));
        await stream.ReadExactlyAsync(new byte[10]).AsTask().WithTimeout();
        Assert.True(call.IsFinished);
        Assert.Null(call.Response.Error);
        Assert.Equal(20, recorder.Body.Length);
    }

    [Theory]
    [InlineData(100)]
    [InlineData(200_000)]
    public async Task Read_SyncSpanWithADataListener_DeliversTheBytesToTheCallerAndTheListener(int length)
    {
        var (call, recorder, response) = await SendAsync(new ScriptedStream(false, ScriptedStream.Chunk(length)), length: length);
        var stream = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[length + 10];

        var total = 0;
        int read;
        while ((read = stream.Read(buffer.AsSpan(total))) > 0)
        {
            total += read;
        }

        Assert.Equal(length, total);
        Assert.Equal(LoopbackServer.Pattern(length), buffer[..length]);
        Assert.Equal(LoopbackServer.Pattern(length), recorder.Body.ToArray());
        Assert.True(call.IsFinished);
        Assert.Null(call.Response.Error);
        Assert.Equal(length, recorder.DownloadProgress.Last().Loaded);
    }

    [Fact]
    public async Task Read_SyncSmallSpansWithADataListener_EachReadFillsAtMostItsSpan()
    {
        var (call, recorder, response) = await SendAsync(new ScriptedStream(false, ScriptedStream.Chunk(1000)), length: 1000);
        var stream = await response.Content.ReadAsStreamAsync();
        var received = new List<byte>();
        var buffer = new byte[20];

        int read;
        while ((read = stream.Read(buffer.AsSpan(5, 10))) > 0)
        {
            Assert.InRange(read, 1, 10);
            Assert.All(buffer[..5], b => Assert.Equal(0, b));
            Assert.All(buffer[15..], b => Assert.Equal(0, b));
            received.AddRange(buffer[5..(5 + read)]);
        }

        Assert.Equal(LoopbackServer.Pattern(1000), received.ToArray());
        Assert.Equal(LoopbackServer.Pattern(1000), recorder.Body.ToArray());
        Assert.True(call.IsFinished);
        Assert.Null(call.Response.Error);
    }

    [Fact]
    public async Task Read_SyncSpanWithoutADataListener_DeliversTheBytesAndEnds()
    {
        var (call, _, response) = await SendAsync(new ScriptedStream(false, ScriptedStream.Chunk(100)), length: 100, record: false);
        var stream = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[100];

        stream.ReadExactly(buffer.AsSpan());

        Assert.Equal(LoopbackServer.Pattern(100), buffer);
        Assert.True(call.IsFinished);
        Assert.Null(call.Response.Error);
    }

    [Fact]
    public async Task ReadByte_WholeBody_DeliversEveryByteThenMinusOneAndEndsInSuccess()
    {
        var (call, recorder, response) = await SendAsync(new ScriptedStream(false, ScriptedStream.Chunk(3), ScriptedStream.Chunk(2)), length: null);
        var stream = await response.Content.ReadAsStreamAsync();

        // Bounded: a stream that never answers -1 fails here instead of looping.
        var values = new List<int>();
        for (var i = 0; i < 8; i++)
        {
            values.Add(stream.ReadByte());
        }

        Assert.Equal([.. LoopbackServer.Pattern(5).Select(b => (int)b), -1, -1, -1], values);
        Assert.Equal(LoopbackServer.Pattern(5), recorder.Body.ToArray());
        Assert.True(call.IsFinished);
        Assert.Null(call.Response.Error);
    }

    [Fact]
    public async Task ReadAsync_ArrayOverload_DeliversTheBytesAtTheOffset()
    {
        var (call, recorder, response) = await SendAsync(new ScriptedStream(true, ScriptedStream.Chunk(10)), length: 10);
        var stream = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[20];

        var read = await stream.ReadAsync(buffer, 5, 15).WithTimeout();

        Assert.Equal(10, read);
        Assert.Equal(LoopbackServer.Pattern(10), buffer[5..15]);
        Assert.Equal(LoopbackServer.Pattern(10), recorder.Body.ToArray());
        Assert.True(call.IsFinished);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => stream.ReadAsync(buffer, 15, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => stream.Read(buffer, 15, 10));
    }

    [Fact]
    public async Task Flush_ReadOnlyStream_DoesNothing()
    {
        var (call, recorder, response) = await SendAsync(new ScriptedStream(false, ScriptedStream.Chunk(10)), length: 10);
        var stream = await response.Content.ReadAsStreamAsync();

        stream.Flush();
        await stream.FlushAsync().WithTimeout();

        Assert.False(call.IsFinished);
        Assert.Equal("httpHeaders:200", recorder.Compact());
    }

    [Fact]
    public async Task Dispose_ReadToTheEnd_InnerStreamReleasedAndNothingRaised()
    {
        var body = new ScriptedStream(false, ScriptedStream.Chunk(10));
        var (call, recorder, response) = await SendAsync(body, length: 10);
        var stream = await response.Content.ReadAsStreamAsync();
        await stream.ReadExactlyAsync(new byte[10]).AsTask().WithTimeout();
        var events = recorder.Compact();

        stream.Dispose();

        Assert.True(body.Disposals > 0);
        Assert.Equal(events, recorder.Compact());
        Assert.Null(call.Response.Error);
    }

    [Fact]
    public async Task DisposeAsync_BeforeTheEnd_InnerStreamReleasedAndTheCallAbandoned()
    {
        var body = new ScriptedStream(false, ScriptedStream.Chunk(10), ScriptedStream.Chunk(10));
        var (call, recorder, response) = await SendAsync(body, length: 20);
        var stream = await response.Content.ReadAsStreamAsync();
        await stream.ReadExactlyAsync(new byte[10]).AsTask().WithTimeout();

        await stream.DisposeAsync();

        Assert.True(body.Disposals > 0);
        Assert.IsType<HttpCallAbandonedException>(call.Response.Error);
        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,error,complete:True", recorder.Compact());
    }

    [Fact]
    public async Task DisposeAsync_CompleteListenerThrows_DisposeThrowsThatObjectAfterReleasingTheInnerStream()
    {
        var body = new ScriptedStream(false, ScriptedStream.Chunk(10), ScriptedStream.Chunk(10));
        var thrown = new ListenerException();
        var (_, _, response) = await SendAsync(body, length: 20, configure: c => c.On(HttpEvents.Complete, _ => throw thrown));
        var stream = await response.Content.ReadAsStreamAsync();
        await stream.ReadExactlyAsync(new byte[10]).AsTask().WithTimeout();

        var actual = await Assert.ThrowsAsync<ListenerException>(async () => await stream.DisposeAsync()).WithTimeout();

        Assert.Same(thrown, actual);
        Assert.True(body.Disposals > 0);
    }

    [Fact]
    public async Task Dispose_CompleteListenerThrows_DisposeThrowsThatObjectAfterReleasingTheInnerStream()
    {
        var body = new ScriptedStream(false, ScriptedStream.Chunk(10), ScriptedStream.Chunk(10));
        var thrown = new ListenerException();
        var (_, _, response) = await SendAsync(body, length: 20, configure: c => c.On(HttpEvents.Complete, _ => throw thrown));
        var stream = await response.Content.ReadAsStreamAsync();
        await stream.ReadExactlyAsync(new byte[10]).AsTask().WithTimeout();

        var actual = Assert.Throws<ListenerException>(stream.Dispose);

        Assert.Same(thrown, actual);
        Assert.True(body.Disposals > 0);
    }

    [Fact]
    public async Task Read_NullBuffer_ThrowsArgumentNullAndRaisesNothing()
    {
        var (call, recorder, response) = await SendAsync(new ScriptedStream(false, ScriptedStream.Chunk(10)), length: 10);
        var stream = await response.Content.ReadAsStreamAsync();

        Assert.Throws<ArgumentNullException>(() => stream.Read(null!, 0, 0));
        await Assert.ThrowsAsync<ArgumentNullException>(() => stream.ReadAsync(null!, 0, 0));

        Assert.False(call.IsFinished);
        Assert.Equal("httpHeaders:200", recorder.Compact());
    }

    [Fact]
    public async Task ReadAsync_InnerThrowsSynchronously_ThatObjectIsThrownAfterHttpErrorAndTheCallEnds()
    {
        var failure = new IOException("The connection was reset.");
        var (call, recorder, response) = await SendAsync(
            new ScriptedStream(false, ScriptedStream.Chunk(10), ScriptedStream.FailNow(failure)), length: 100);
        var stream = await response.Content.ReadAsStreamAsync();
        await stream.ReadExactlyAsync(new byte[10]).AsTask().WithTimeout();

        var thrown = await Assert.ThrowsAsync<IOException>(() => stream.ReadAsync(new byte[10]).AsTask()).WithTimeout();

        Assert.Same(failure, thrown);
        Assert.Same(failure, call.Response.Error);
        Assert.Same(failure, Assert.Single(recorder.HttpErrors));
        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,httpError,error,complete:True", recorder.Compact());
    }

    private static async Task<(HttpCall Call, EventRecorder Recorder, HttpResponseMessage Response)> SendAsync(
        Stream body, long? length, bool record = true, Action<HttpCall>? configure = null)
    {
        var client = new HttpClient(new EventingHandler(new InlineHandler(_ =>
        {
            var content = new StreamContent(body);
            content.Headers.ContentLength = length;
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = content };
        })));
        var request = new HttpRequestMessage(HttpMethod.Get, Url);
        var call = HttpCall.For(request);
        var recorder = record ? new EventRecorder(call) : null!;
        configure?.Invoke(call);
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WithTimeout();
        return (call, recorder, response);
    }
}
