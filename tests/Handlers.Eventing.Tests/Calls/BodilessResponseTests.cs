using System.Net;
using Handlers.Eventing.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Handlers.Eventing.Tests.Calls;

// Issue 10, defect 2: a response that has no body (a HEAD request, 204, 304) ends at the headers, whatever its
// Content-Length says and whichever completion option: progress 0 of 0, httpDone, then the terminal events, all before
// SendAsync returns.
public class BodilessResponseTests
{
    /// <summary>
    /// How the client is made, the factory included (not <see cref="PipelineShape"/>, which builds the two parts by hand):
    /// this is the test of the factory's own composition for bodiless responses.
    /// </summary>
    public enum Pipeline
    {
        HandBuilt,
        Factory,
        FactoryWithHandlerBetween,
    }

    public static TheoryData<string, HttpCompletionOption, bool, Pipeline> Cases()
    {
        var data = new TheoryData<string, HttpCompletionOption, bool, Pipeline>();
        foreach (var kind in new[] { "HEAD", "204", "304" })
        {
            foreach (var option in new[] { HttpCompletionOption.ResponseContentRead, HttpCompletionOption.ResponseHeadersRead })
            {
                foreach (var http2 in new[] { false, true })
                {
                    foreach (var pipeline in Enum.GetValues<Pipeline>())
                    {
                        data.Add(kind, option, http2, pipeline);
                    }
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task SendAsync_BodilessResponse_EndsWhenSendAsyncReturns(string kind, HttpCompletionOption option, bool http2, Pipeline pipeline)
    {
        var server = await LoopbackServer.Shared;
        var (method, path, status) = Describe(kind);
        var builder = new ServiceCollection()
            .AddHttpClient("bodiless").ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler()).AddEventing();
        if (pipeline == Pipeline.FactoryWithHandlerBetween)
        {
            builder.AddHttpMessageHandler(() => new PassThroughHandler());
        }

        using var services = builder.Services.BuildServiceProvider();
        using var client = pipeline == Pipeline.HandBuilt
            ? LoopbackVersions.EventingClient(http2)
            : LoopbackVersions.Configure(services.GetRequiredService<IHttpClientFactory>().CreateClient("bodiless"), http2);
        using var request = server.Request(http2, path, method);
        var recorder = new EventRecorder(HttpCall.For(request));

        using (var response = await client.SendAsync(request, option).WithTimeout())
        {
            // Nothing read, nothing disposed yet: the call has already ended.
            Assert.Equal(status, response.StatusCode);
            var terminal = status == HttpStatusCode.NotModified ? "error" : "success";
            Assert.Equal($"httpHeaders:{(int)status},httpDownloadProgress*,httpDone,{terminal},complete:True", recorder.Compact());
            var progress = Assert.Single(recorder.DownloadProgress);
            Assert.Equal(0, progress.Loaded);
            Assert.Equal(0, progress.Total);
            Assert.True(recorder.Call.IsFinished);
            Assert.True(recorder.Call.Completion.IsCompletedSuccessfully);
            Assert.Equal(0, recorder.Call.Response.BytesReceived);
            if (status == HttpStatusCode.NotModified)
            {
                // A 304 is not 2xx: the success predicate makes it an error, with the status error.
                var error = Assert.IsType<HttpRequestException>(recorder.Call.Response.Error);
                Assert.Equal(HttpStatusCode.NotModified, error.StatusCode);
            }
            else
            {
                Assert.Null(recorder.Call.Response.Error);
            }
        }

        Assert.Equal(1, recorder.Count("complete"));
        Assert.Equal(1, recorder.Count("httpDone"));
        Assert.Equal(1, recorder.Count("success") + recorder.Count("error"));
    }

    [Theory]
    [HttpVersionsAndPipelineShapes]
    public async Task SendAsync_Head_ResponseKeepsTheResourcesContentLength(bool http2, PipelineShape shape)
    {
        using var sut = await CallUnderTest.LoopbackAsync("correctness/resource/5000", shape, http2, method: HttpMethod.Head);
        using var plain = LoopbackVersions.Client(http2, new SocketsHttpHandler());
        using var plainRequest = sut.Server.Request(http2, "correctness/resource/5000", HttpMethod.Head);
        var recorder = sut.Recorder;

        using var expected = await plain.SendAsync(plainRequest).WithTimeout();
        using var actual = await sut.SendAsync().WithTimeout();

        // Observation never changes the response: Content-Length stays the resource's, while the body is 0 of 0.
        Assert.Equal(5000, expected.Content.Headers.ContentLength);
        Assert.Equal(expected.Content.Headers.ContentLength, actual.Content.Headers.ContentLength);
        Assert.Empty(await actual.Content.ReadAsByteArrayAsync());
        Assert.Equal(0, Assert.Single(recorder.DownloadProgress).Total);
        Assert.Null(recorder.Call.Response.Error);
    }

    [Theory]
    [HttpVersionsAndPipelineShapes]
    public async Task CallSendAsync_Head_EndsInSuccessWithZeroOfZero(bool http2, PipelineShape shape)
    {
        using var sut = await CallUnderTest.LoopbackAsync("correctness/resource/5000", shape, http2, method: HttpMethod.Head, createCall: true);
        var recorder = sut.Recorder;

        var response = await sut.Call.SendAsync().WithTimeout();

        Assert.Null(response.Error);
        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpDone,success,complete:True", recorder.Compact());
        var progress = Assert.Single(recorder.DownloadProgress);
        Assert.Equal(0, progress.Loaded);
        Assert.Equal(0, progress.Total);
    }

    private static (HttpMethod Method, string Path, HttpStatusCode Status) Describe(string kind) => kind switch
    {
        "HEAD" => (HttpMethod.Head, "correctness/resource/5000", HttpStatusCode.OK),
        "204" => (HttpMethod.Get, "correctness/no-content", HttpStatusCode.NoContent),
        "304" => (HttpMethod.Get, "correctness/not-modified", HttpStatusCode.NotModified),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Use HEAD, 204 or 304."),
    };
}
