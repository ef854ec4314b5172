using System.Globalization;
using Handlers.Eventing.Tests.Infrastructure;
using Handlers.Eventing.Testing;

namespace Handlers.Eventing.Tests.Progress;

/// <summary>Upload progress (<see cref="HttpEvents.HttpUploadProgress"/>) against a real Kestrel server.</summary>
public class UploadProgressTests
{
    private static void AssertMonotonicToEnd(IReadOnlyList<HttpProgress> progress, long length, long? total)
    {
        Assert.NotEmpty(progress);
        for (var i = 1; i < progress.Count; i++)
        {
            Assert.True(progress[i].Loaded >= progress[i - 1].Loaded, $"Loaded went from {progress[i - 1].Loaded} to {progress[i].Loaded}");
        }

        Assert.All(progress, p => Assert.Equal(total, p.Total));
        Assert.All(progress, p => Assert.Equal(1, p.Attempt));
        Assert.Equal(length, progress[^1].Loaded);
    }

    [Theory]
    [PipelineShapes]
    public async Task Upload_TenMiBByteArray_ManyEventsInSlicesAndContentRestored(PipelineShape shape)
    {
        const int length = 10 * 1024 * 1024;
        var original = new ByteArrayContent(LoopbackServer.Pattern(length));
        using var sut = await CallUnderTest.LoopbackAsync("upload", shape, method: HttpMethod.Post, content: original);

        using var response = await sut.SendAsync().WithTimeout();

        Assert.Equal(length.ToString(CultureInfo.InvariantCulture), await response.Content.ReadAsStringAsync());
        var progress = sut.Recorder.UploadProgress.ToArray();
        Assert.True(progress.Length >= length / (64 * 1024), $"only {progress.Length} upload events");
        Assert.All(progress.Zip(progress.Skip(1)), pair => Assert.InRange(pair.Second.Loaded - pair.First.Loaded, 1, 64 * 1024));
        AssertMonotonicToEnd(progress, length, length);
        Assert.Same(original, sut.Request.Content);
        Assert.Equal(length, sut.Recorder.Call.Response.BytesSent);
        Assert.Equal("httpUploadProgress*,httpHeaders:200,httpDownloadProgress*,httpData*,httpDone,success,complete:True", sut.Recorder.Compact());
    }

    [Theory]
    [PipelineShapes]
    public async Task Upload_SeekableStreamContent_ReportsToLengthAndRestoresContent(PipelineShape shape)
    {
        const int length = 3 * 1024 * 1024 + 5;
        var original = new StreamContent(new MemoryStream(LoopbackServer.Pattern(length)));
        using var sut = await CallUnderTest.LoopbackAsync("upload", shape, method: HttpMethod.Post, content: original);

        using var response = await sut.SendAsync().WithTimeout();

        Assert.Equal(length.ToString(CultureInfo.InvariantCulture), await response.Content.ReadAsStringAsync());
        Assert.True(sut.Recorder.UploadProgress.Count > 10, $"only {sut.Recorder.UploadProgress.Count} upload events");
        AssertMonotonicToEnd([.. sut.Recorder.UploadProgress], length, length);
        Assert.Same(original, sut.Request.Content);
    }

    [Theory]
    [PipelineShapes]
    public async Task Upload_NonSeekableStreamContent_TotalNullAndChunkedUpload(PipelineShape shape)
    {
        const int length = 1024 * 1024;
        var original = new StreamContent(new GeneratingStream(length));
        using var sut = await CallUnderTest.LoopbackAsync("upload", shape, method: HttpMethod.Post, content: original);

        using var response = await sut.SendAsync().WithTimeout();

        Assert.Equal(length.ToString(CultureInfo.InvariantCulture), await response.Content.ReadAsStringAsync());
        AssertMonotonicToEnd([.. sut.Recorder.UploadProgress], length, total: null);
        Assert.Same(original, sut.Request.Content);
        Assert.Null(sut.Request.Content!.Headers.ContentLength);
    }

    [Theory]
    [PipelineShapes]
    public async Task Upload_EmptyBody_OneEventZeroOfZero(PipelineShape shape)
    {
        using var sut = await CallUnderTest.LoopbackAsync("upload", shape, method: HttpMethod.Post, content: new ByteArrayContent([]));

        using var response = await sut.SendAsync().WithTimeout();

        Assert.Equal("0", await response.Content.ReadAsStringAsync());
        Assert.Equal(new HttpProgress(0, 0, 1), Assert.Single(sut.Recorder.UploadProgress));
    }

    [Theory]
    [PipelineShapes]
    public async Task Upload_RaisedOnTransportWriteBeforeHeaders(PipelineShape shape)
    {
        using var sut = await CallUnderTest.LoopbackAsync("upload", shape, method: HttpMethod.Post, content: new ByteArrayContent(new byte[300_000]));
        var headersSeenAtUpload = new List<bool>();
        var headersArrived = false;
        sut.Call
            .On(HttpEvents.HttpHeaders, _ => headersArrived = true)
            .On(HttpEvents.HttpUploadProgress, _ => headersSeenAtUpload.Add(headersArrived));

        using var response = await sut.SendAsync().WithTimeout();

        Assert.NotEmpty(headersSeenAtUpload);
        Assert.DoesNotContain(true, headersSeenAtUpload);
        Assert.StartsWith("httpUploadProgress*,httpHeaders:200", sut.Recorder.Compact(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upload_NoUploadListener_ContentNotWrapped()
    {
        var server = await LoopbackServer.Shared;
        HttpContent? seenByTransport = null;
        var inner = new InspectingHandler(new SocketsHttpHandler(), r => seenByTransport = r.Content);
        using var client = new HttpClient(new EventingHandler(inner));
        var original = new ByteArrayContent(new byte[1000]);
        using var request = new HttpRequestMessage(HttpMethod.Post, server.Url("upload")) { Content = original };
        HttpCall.For(request).On(HttpEvents.HttpData, _ => { });

        using var response = await client.SendAsync(request).WithTimeout();

        Assert.Same(original, seenByTransport);
        Assert.Equal("1000", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [PipelineShapes]
    public async Task Upload_SyncSend_ReportsProgress(PipelineShape shape)
    {
        const int length = 1024 * 1024;
        using var sut = await CallUnderTest.LoopbackAsync("upload", shape, method: HttpMethod.Post, content: new ByteArrayContent(new byte[length]));

        using var response = await Task.Run(() => sut.Client.Send(sut.Request)).WithTimeout();

        AssertMonotonicToEnd([.. sut.Recorder.UploadProgress], length, length);
        Assert.True(sut.Recorder.UploadProgress.Count >= length / (64 * 1024));
        Assert.Equal("httpUploadProgress*,httpHeaders:200,httpDownloadProgress*,httpData*,httpDone,success,complete:True", sut.Recorder.Compact());
    }

    private sealed class InspectingHandler(HttpMessageHandler inner, Action<HttpRequestMessage> inspect) : DelegatingHandler(inner)
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            inspect(request);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
