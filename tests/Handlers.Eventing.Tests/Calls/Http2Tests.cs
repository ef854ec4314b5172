using System.Net;
using Handlers.Eventing.Tests.Infrastructure;

namespace Handlers.Eventing.Tests.Calls;

// What is specific to HTTP/2 (h2c here) in docs/events.md; the rest of the regression tests run over both versions.
public class Http2Tests
{
    [Theory]
    [PipelineShapes]
    public async Task Send_SyncOverHttp2_ThrowsWhatAPlainClientThrowsAndTheCallEndsOnce(PipelineShape shape)
    {
        using var sut = await CallUnderTest.LoopbackAsync("bytes/10", shape, http2: true);
        using var plain = LoopbackVersions.Client(http2: true, new SocketsHttpHandler());
        using var plainRequest = sut.Server.Request(true, "bytes/10");
        var recorder = sut.Recorder;

        var expected = await Task.Run(() => Record.Exception(() => plain.Send(plainRequest))).WithTimeout();
        var actual = await Task.Run(() => Record.Exception(() => sut.Client.Send(sut.Request))).WithTimeout();
        await recorder.Call.Completion.WithTimeout();

        Assert.IsType<NotSupportedException>(expected);
        Assert.IsType<NotSupportedException>(actual);
        Assert.Equal(0, recorder.Count("success"));
        Assert.Equal(1, recorder.Count("error"));
        Assert.Equal(1, recorder.Count("complete"));
    }

    [Theory]
    [PipelineShapes]
    public async Task GetAsync_Http2ChunkedBody_TotalNullAndLoadedCountsTheBody(PipelineShape shape)
    {
        using var sut = await CallUnderTest.LoopbackAsync("bytes/30000?chunked=true", shape, http2: true);
        var recorder = sut.Recorder;

        using var response = await sut.SendAsync().WithTimeout();

        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,httpDone,success,complete:True", recorder.Compact());
        Assert.All(recorder.DownloadProgress, p => Assert.Null(p.Total));
        Assert.Equal(30000, recorder.DownloadProgress.Last().Loaded);
    }
}
