using Handlers.Eventing.Tests.Infrastructure;

namespace Handlers.Eventing.Tests.Calls;

// Issue 19, defect 2: once the returned body has ended (its last byte delivered), the outcome is decided. An Abort() from
// then on — here from inside httpDone, before success — changes nothing: listeners see success, and the caller's read,
// HttpClient's buffering and call.SendAsync() see every byte and no exception.
public class AbortAfterBodyEndTests
{
    private const int Length = 50_000;

    public static TheoryData<bool, bool, PipelineShape> Protocols
    {
        get
        {
            var data = new TheoryData<bool, bool, PipelineShape>();
            foreach (var shape in new[] { PipelineShape.OneLayer, PipelineShape.TwoParts })
            {
                data.Add(false, false, shape);
                data.Add(false, true, shape);
                data.Add(true, false, shape);
                data.Add(true, true, shape);
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task AbortInHttpDone_StreamRead_CallerGetsEveryByteAndCallSucceeds(bool http2, bool chunked, PipelineShape shape)
    {
        var server = await LoopbackServer.Shared;
        using var client = LoopbackVersions.EventingClient(http2, shape);
        using var request = server.Request(http2, Path(chunked));
        var call = HttpCall.For(request);
        var recorder = new EventRecorder(call, data: false, progress: false);
        call.On(HttpEvents.HttpDone, _ => call.Abort());

        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WithTimeout();
        var body = new MemoryStream();
        await using (var stream = await response.Content.ReadAsStreamAsync())
        {
            await stream.CopyToAsync(body).WithTimeout();

            // A read after the end returns 0, as it would without the handler.
            Assert.Equal(0, await stream.ReadAsync(new byte[16]).AsTask().WithTimeout());
        }

        var final = await call.Completion.WithTimeout();
        Assert.Equal(LoopbackServer.Pattern(Length), body.ToArray());
        Assert.Null(final.Error);
        Assert.Equal("httpHeaders:200,httpDone,success,complete:True", string.Join(',', recorder.Names));
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task AbortInHttpDone_SyncRead_CallerGetsEveryByteAndCallSucceeds(bool http2, bool chunked, PipelineShape shape)
    {
        var server = await LoopbackServer.Shared;
        using var client = LoopbackVersions.EventingClient(http2, shape);
        using var request = server.Request(http2, Path(chunked));
        var call = HttpCall.For(request);
        call.On(HttpEvents.HttpDone, _ => call.Abort());

        // Sent asynchronously (SocketsHttpHandler's synchronous Send is HTTP/1.1 only), read synchronously.
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WithTimeout();
        var body = await Task.Run(() =>
        {
            using var stream = response.Content.ReadAsStream();
            var copy = new MemoryStream();
            stream.CopyTo(copy);
            return copy.ToArray();
        }).WithTimeout();

        var final = await call.Completion.WithTimeout();
        Assert.Equal(LoopbackServer.Pattern(Length), body);
        Assert.Null(final.Error);
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task AbortInHttpDone_HttpClientBuffering_SendReturnsTheWholeBody(bool http2, bool chunked, PipelineShape shape)
    {
        var server = await LoopbackServer.Shared;
        using var client = LoopbackVersions.EventingClient(http2, shape);
        using var request = server.Request(http2, Path(chunked));
        var call = HttpCall.For(request);
        call.On(HttpEvents.HttpDone, _ => call.Abort());

        using var response = await client.SendAsync(request).WithTimeout();

        Assert.True(call.IsFinished);
        Assert.Null(call.Response.Error);
        Assert.Equal(LoopbackServer.Pattern(Length), await response.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task AbortInHttpDone_AwsStyleSendAsync_ReturnsSuccess(bool http2, bool chunked, PipelineShape shape)
    {
        var server = await LoopbackServer.Shared;
        using var client = LoopbackVersions.EventingClient(http2, shape);
        var call = client.CreateCall(server.Request(http2, Path(chunked)));
        long received = 0;
        call.On(HttpEvents.HttpData, e => received += e.Chunk.Length);
        call.On(HttpEvents.HttpDone, _ => call.Abort());

        var final = await call.SendAsync().WithTimeout();

        Assert.Null(final.Error);
        Assert.Equal(Length, received);
    }

    [Theory]
    [HttpVersionsAndPipelineShapes]
    public async Task AbortAfterLastByteRead_ReadExactlyThenDispose_CallerSeesNoException(bool http2, PipelineShape shape)
    {
        var server = await LoopbackServer.Shared;
        using var client = LoopbackVersions.EventingClient(http2, shape);
        using var request = server.Request(http2, Path(chunked: false));
        var call = HttpCall.For(request);

        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WithTimeout();
        var buffer = new byte[Length];
        await using (var stream = await response.Content.ReadAsStreamAsync())
        {
            await stream.ReadExactlyAsync(buffer).AsTask().WithTimeout();
            call.Abort();
            Assert.Equal(0, await stream.ReadAsync(new byte[1]).AsTask().WithTimeout());
        }

        Assert.Null((await call.Completion.WithTimeout()).Error);
        Assert.Equal(LoopbackServer.Pattern(Length), buffer);
    }

    private static string Path(bool chunked) => $"bytes/{Length}?chunk=8192&chunked={(chunked ? "true" : "false")}";
}
