using System.Net;
using Handlers.Eventing.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Handlers.Eventing.Tests.Calls;

// Issue 10, defect 5: observation never changes the response's headers. Under AutomaticDecompression SocketsHttpHandler
// removes Content-Length explicitly, so a plain client reports null even after HttpClient buffered the body; the observed
// content mirrors the inner content's headers exactly, that removal included.
public class ObservedHeadersTests
{
    public static TheoryData<string, bool, bool, PipelineShape> Cases()
    {
        var data = new TheoryData<string, bool, bool, PipelineShape>();
        foreach (var path in new[] { "correctness/gzip/50000?length=true", "correctness/gzip/50000", "bytes/50000", "bytes/50000?chunked=true" })
        {
            foreach (var http2 in new[] { false, true })
            {
                foreach (var buffered in new[] { true, false })
                {
                    foreach (var shape in Enum.GetValues<PipelineShape>())
                    {
                        data.Add(path, http2, buffered, shape);
                    }
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task ContentHeaders_AutomaticDecompression_SameAsPlainClient(string path, bool http2, bool buffered, PipelineShape shape)
    {
        var server = await LoopbackServer.Shared;
        using var plain = LoopbackVersions.Client(http2, Decompressing());
        using var client = LoopbackVersions.Client(http2, EventingPipeline.Create(Decompressing(), shape));
        var option = buffered ? HttpCompletionOption.ResponseContentRead : HttpCompletionOption.ResponseHeadersRead;

        using var expected = await plain.SendAsync(server.Request(http2, path), option).WithTimeout();
        using var actual = await client.SendAsync(server.Request(http2, path), option).WithTimeout();

        Assert.Equal(expected.Content.Headers.ContentLength, actual.Content.Headers.ContentLength);
        Assert.Equal(Describe(expected.Content.Headers), Describe(actual.Content.Headers));

        // After the body was buffered (by HttpClient above, or explicitly here) the headers still agree.
        var expectedBytes = await expected.Content.ReadAsByteArrayAsync().WithTimeout();
        var actualBytes = await actual.Content.ReadAsByteArrayAsync().WithTimeout();
        Assert.Equal(expectedBytes, actualBytes);
        Assert.Equal(LoopbackServer.Pattern(50000), actualBytes);
        Assert.Equal(expected.Content.Headers.ContentLength, actual.Content.Headers.ContentLength);
        Assert.Equal(Describe(expected.Content.Headers), Describe(actual.Content.Headers));
    }

    [Theory]
    [HttpVersionsAndPipelineShapes]
    public async Task GetAsync_GzipWithLengthUnderDecompression_ContentLengthStaysNull(bool http2, PipelineShape shape)
    {
        var server = await LoopbackServer.Shared;
        using var client = LoopbackVersions.Client(http2, EventingPipeline.Create(Decompressing(), shape));
        using var request = server.Request(http2, "correctness/gzip/50000?length=true");
        var recorder = new EventRecorder(HttpCall.For(request));

        using var response = await client.SendAsync(request).WithTimeout();

        // A plain client reports null here: the decompressing content removed the compressed length explicitly.
        Assert.Null(response.Content.Headers.ContentLength);
        Assert.Empty(response.Content.Headers.ContentEncoding);
        Assert.Null(recorder.DownloadProgress.Last().Total);
        Assert.Equal(50000, recorder.DownloadProgress.Last().Loaded);
        Assert.Null(recorder.Call.Response.Error);
    }

    [Fact]
    public async Task GetAsync_GzipUnderDecompressionThroughFactory_ContentLengthSameAsPlainClient()
    {
        var server = await LoopbackServer.Shared;
        using var services = new ServiceCollection()
            .AddHttpClient("gzip").ConfigurePrimaryHttpMessageHandler(Decompressing).AddEventing()
            .Services.BuildServiceProvider();
        using var client = services.GetRequiredService<IHttpClientFactory>().CreateClient("gzip");
        using var plain = new HttpClient(Decompressing());

        using var expected = await plain.GetAsync(server.Url("correctness/gzip/50000?length=true")).WithTimeout();
        using var actual = await client.GetAsync(server.Url("correctness/gzip/50000?length=true")).WithTimeout();

        Assert.Null(expected.Content.Headers.ContentLength);
        Assert.Equal(expected.Content.Headers.ContentLength, actual.Content.Headers.ContentLength);
        Assert.Equal(Describe(expected.Content.Headers), Describe(actual.Content.Headers));
    }

    private static SocketsHttpHandler Decompressing() => new() { AutomaticDecompression = DecompressionMethods.All };

    private static string Describe(System.Net.Http.Headers.HttpContentHeaders headers) =>
        string.Join("; ", headers.NonValidated
            .Select(h => $"{h.Key}: {string.Join(",", h.Value)}")
            .Order(StringComparer.OrdinalIgnoreCase));
}
