using Handlers.Eventing.Tests.Infrastructure;

namespace Handlers.Eventing.Tests.Calls;

// Issue 10, defect 1: a body has ended when its Content-Length-th byte was delivered to the caller; no further 0-byte read
// is needed (SocketsHttpHandler itself completes the response at that point).
public class BodyEndTests
{
    private const int Length = 100000;

    [Theory]
    [HttpVersionsAndPipelineShapes]
    public async Task ReadExactlyAsync_ContentLengthBytes_EndsInSuccessBeforeDispose(bool http2, PipelineShape shape)
    {
        var server = await LoopbackServer.Shared;
        using var client = LoopbackVersions.EventingClient(http2, shape);
        using var request = server.Request(http2, $"bytes/{Length}?chunk=8192");
        var recorder = new EventRecorder(HttpCall.For(request));

        using (var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WithTimeout())
        {
            await using var stream = await response.Content.ReadAsStreamAsync();
            var buffer = new byte[Length];
            await stream.ReadExactlyAsync(buffer).AsTask().WithTimeout();

            // Before the dispose: the last chunk's progress and data, then the end of the body and of the call.
            var names = recorder.Names;
            Assert.Equal(["httpDownloadProgress", "httpData", "httpDone", "success", "complete:True"], names.TakeLast(5));
            Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,httpDone,success,complete:True", recorder.Compact());
            Assert.True(recorder.Call.IsFinished);
            Assert.True(recorder.Call.Completion.IsCompletedSuccessfully);
            Assert.Null(recorder.Call.Response.Error);
            var last = recorder.DownloadProgress.Last();
            Assert.Equal(Length, last.Loaded);
            Assert.Equal(Length, last.Total);
            Assert.Equal(LoopbackServer.Pattern(Length), buffer);
            Assert.Equal(buffer, recorder.Body.ToArray());
        }

        // The dispose changes nothing: still one success, one complete, no error.
        Assert.Equal(1, recorder.Count("success"));
        Assert.Equal(1, recorder.Count("complete"));
        Assert.Equal(0, recorder.Count("error"));
        Assert.Null(recorder.Call.Response.Error);
        Assert.Equal(Length, recorder.Call.Response.BytesReceived);
    }

    [Theory]
    [PipelineShapes]
    public async Task ReadExactly_SyncContentLengthBytes_EndsInSuccessBeforeDispose(PipelineShape shape)
    {
        // Sync Send is HTTP/1.1 only in SocketsHttpHandler.
        const bool http2 = false;
        var server = await LoopbackServer.Shared;
        using var client = LoopbackVersions.EventingClient(http2, shape);
        using var request = server.Request(http2, $"bytes/{Length}?chunk=8192");
        var recorder = new EventRecorder(HttpCall.For(request));

        await Task.Run(() =>
        {
            using var response = client.Send(request, HttpCompletionOption.ResponseHeadersRead);
            using var stream = response.Content.ReadAsStream();
            stream.ReadExactly(new byte[Length]);
            Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,httpDone,success,complete:True", recorder.Compact());
        }).WithTimeout();

        Assert.Null(recorder.Call.Response.Error);
        Assert.Equal(1, recorder.Count("complete"));
    }

    [Theory]
    [HttpVersionsAndPipelineShapes]
    public async Task ReadAsync_SingleReadOfWholeSmallBody_EndsInSuccessWithoutFurtherRead(bool http2, PipelineShape shape)
    {
        var server = await LoopbackServer.Shared;
        using var client = LoopbackVersions.EventingClient(http2, shape);
        using var request = server.Request(http2, "correctness/resource/10");
        var recorder = new EventRecorder(HttpCall.For(request));
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WithTimeout();
        await using var stream = await response.Content.ReadAsStreamAsync();

        // One read asking for more than the body: it delivers the 10 bytes, and with them the end of the body.
        var buffer = new byte[64];
        var read = 0;
        while (read < 10)
        {
            read += await stream.ReadAsync(buffer.AsMemory(read)).AsTask().WithTimeout();
        }

        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,httpDone,success,complete:True", recorder.Compact());
        Assert.Equal(10, recorder.DownloadProgress.Last().Loaded);
    }

    [Theory]
    [HttpVersionsAndPipelineShapes]
    public async Task ReadExactlyAsync_FewerThanContentLengthBytesThenDispose_StillAbandoned(bool http2, PipelineShape shape)
    {
        var server = await LoopbackServer.Shared;
        using var client = LoopbackVersions.EventingClient(http2, shape);
        using var request = server.Request(http2, $"bytes/{Length}?chunk=8192");
        var recorder = new EventRecorder(HttpCall.For(request));

        using (var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WithTimeout())
        {
            await using var stream = await response.Content.ReadAsStreamAsync();
            await stream.ReadExactlyAsync(new byte[Length - 1]).AsTask().WithTimeout();
            Assert.False(recorder.Call.IsFinished);
        }

        Assert.Equal(0, recorder.Count("httpDone"));
        Assert.Equal(0, recorder.Count("success"));
        Assert.IsType<HttpCallAbandonedException>(recorder.Call.Response.Error);
        Assert.Equal(1, recorder.Count("complete"));
    }

    [Theory]
    [HttpVersionsAndPipelineShapes]
    public async Task CallSendAsync_ContentLengthBody_EndsInSuccessAtLastByte(bool http2, PipelineShape shape)
    {
        var server = await LoopbackServer.Shared;
        using var client = LoopbackVersions.EventingClient(http2, shape);
        var call = client.CreateCall(server.Request(http2, $"bytes/{Length}?chunk=8192"));
        var recorder = new EventRecorder(call);

        var response = await call.SendAsync().WithTimeout();

        Assert.Null(response.Error);
        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,httpDone,success,complete:True", recorder.Compact());
        Assert.Equal(Length, recorder.DownloadProgress.Last().Loaded);
    }
}
