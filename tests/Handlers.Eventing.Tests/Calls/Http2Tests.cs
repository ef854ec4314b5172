using System.Net;
using Handlers.Eventing.Tests.Infrastructure;

namespace Handlers.Eventing.Tests.Calls;

// What is specific to HTTP/2 (h2c here) in docs/events.md; the rest of the regression tests run over both versions.
public class Http2Tests
{
    [Fact]
    public async Task Send_SyncOverHttp2_ThrowsWhatAPlainClientThrowsAndTheCallEndsOnce()
    {
        var server = await LoopbackServer.Shared;
        using var plain = LoopbackVersions.Client(http2: true, new SocketsHttpHandler());
        using var client = LoopbackVersions.EventingClient(http2: true);
        using var plainRequest = server.Request(true, "bytes/10");
        using var request = server.Request(true, "bytes/10");
        var recorder = new EventRecorder(HttpCall.For(request));

        var expected = await Task.Run(() => Record.Exception(() => plain.Send(plainRequest))).WithTimeout();
        var actual = await Task.Run(() => Record.Exception(() => client.Send(request))).WithTimeout();
        await recorder.Call.Completion.WithTimeout();

        Assert.IsType<NotSupportedException>(expected);
        Assert.IsType<NotSupportedException>(actual);
        Assert.Equal(0, recorder.Count("success"));
        Assert.Equal(1, recorder.Count("error"));
        Assert.Equal(1, recorder.Count("complete"));
    }

    [Fact]
    public async Task GetAsync_Http2ChunkedBody_TotalNullAndLoadedCountsTheBody()
    {
        var server = await LoopbackServer.Shared;
        using var client = LoopbackVersions.EventingClient(http2: true);
        using var request = server.Request(true, "bytes/30000?chunked=true");
        var recorder = new EventRecorder(HttpCall.For(request));

        using var response = await client.SendAsync(request).WithTimeout();

        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,httpDone,success,complete:True", recorder.Compact());
        Assert.All(recorder.DownloadProgress, p => Assert.Null(p.Total));
        Assert.Equal(30000, recorder.DownloadProgress.Last().Loaded);
    }
}
