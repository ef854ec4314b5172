using System.Net;
using Handlers.Eventing.Tests.Infrastructure;

namespace Handlers.Eventing.Tests.Calls;

// Redirects are followed inside SocketsHttpHandler, below the EventingHandler: the call sees one attempt and one httpHeaders
// (the final response's); a 307 re-sends the request body, so upload progress restarts from 0.
public class RedirectTests
{
    [Theory]
    [HttpVersionsAndPipelineShapes]
    public async Task SendAsync_302Redirect_OneAttemptAndOneHttpHeadersForTheFinalResponse(bool http2, PipelineShape shape)
    {
        using var sut = await CallUnderTest.LoopbackAsync("correctness/redirect?status=302&to=bytes/1000", shape, http2);
        var recorder = sut.Recorder;

        using var response = await sut.SendAsync().WithTimeout();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.EndsWith("/bytes/1000", response.RequestMessage!.RequestUri!.AbsolutePath, StringComparison.Ordinal);
        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,httpDone,success,complete:True", recorder.Compact());
        Assert.Equal(1, recorder.Call.Response.Attempt);
        Assert.Equal(0, recorder.Call.Response.RetryCount);
        Assert.Equal(1000, recorder.Call.Response.BytesReceived);
    }

    [Theory]
    [HttpVersionsAndPipelineShapes]
    public async Task PostAsync_307Redirect_ResendsBodyAndUploadProgressRestarts(bool http2, PipelineShape shape)
    {
        const int Length = 200_000;
        using var sut = await CallUnderTest.LoopbackAsync(
            "correctness/redirect?status=307&to=upload", shape, http2, method: HttpMethod.Post, content: new ByteArrayContent(new byte[Length]));
        var recorder = sut.Recorder;

        using var response = await sut.SendAsync().WithTimeout();

        // The target received the whole body again.
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Length.ToString(System.Globalization.CultureInfo.InvariantCulture), await response.Content.ReadAsStringAsync());
        Assert.Equal(1, recorder.Count("httpHeaders"));
        Assert.Equal(1, recorder.Call.Response.Attempt);
        Assert.Equal(0, recorder.Call.Response.RetryCount);

        // Upload progress ran to the end twice: once for the redirected request, once for the re-sent one.
        var loaded = recorder.UploadProgress.Select(p => p.Loaded).ToList();
        var restarts = loaded.Zip(loaded.Skip(1)).Count(pair => pair.Second < pair.First);
        Assert.Equal(1, restarts);
        Assert.Equal(2, loaded.Count(l => l == Length));
        Assert.All(recorder.UploadProgress, p => Assert.Equal(Length, p.Total));
        Assert.All(recorder.UploadProgress, p => Assert.Equal(1, p.Attempt));
        Assert.Equal(Length, loaded[^1]);
    }

    [Theory]
    [PipelineShapes]
    public async Task SendAsync_RedirectNotFollowed_3xxIsTheResponseAndAnErrorByDefault(PipelineShape shape)
    {
        var server = await LoopbackServer.Shared;
        using var sut = CallUnderTest.InMemory(
            new SocketsHttpHandler { AllowAutoRedirect = false }, shape, server.Url("correctness/redirect?status=302&to=bytes/1000").ToString());
        var recorder = sut.Recorder;

        using var response = await sut.SendAsync().WithTimeout();

        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.Equal("httpHeaders:302,httpDownloadProgress*,httpDone,error,complete:True", recorder.Compact());
        Assert.Equal(HttpStatusCode.Found, Assert.IsType<HttpRequestException>(recorder.Call.Response.Error).StatusCode);
    }
}
