using System.Net;
using Handlers.Eventing.Internal;
using Handlers.Eventing.Tests.Calls;
using Handlers.Eventing.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace Handlers.Eventing.Tests.Telemetry;

/// <summary>
/// The body-size histograms as the semantic conventions define them (design.md r3, §6): one measurement per attempt, of the
/// bytes on the wire, tagged with that attempt's status; a request body size only for a request that has content.
/// </summary>
[Collection(TelemetryCollection.Name)]
public sealed class BodySizeMetricsTests
{
    private const int Length = 300_000;

    [Theory]
    [InlineData(false, "gzip")]
    [InlineData(true, "gzip")]
    [InlineData(false, "br")]
    [InlineData(true, "zlib")]
    public async Task ResponseBodySize_BodyTheLibraryDecoded_RecordsTheEncodedBytes(bool http2, string coding)
    {
        var server = await LoopbackServer.Shared;
        using var capture = new TelemetryCapture(activities: false);
        using var client = LoopbackVersions.EventingClient(http2, DecodingTests.Decoding());

        var (response, body, _) = await DecodingTests.ReadAsync(client, server, http2, $"wire/{coding}/{Length}", ReadPath.ReadAsync);

        response.Dispose();
        Assert.Equal(Length, body.Length);
        var size = Assert.Single(capture.Of("http.client.response.body.size"));
        Assert.Equal(LoopbackServer.WireEncoded(coding, Length).Length, size.Value);
        Assert.Equal(200, size.Tags["http.response.status_code"]);
        Assert.Empty(capture.Of("http.client.request.body.size"));
    }

    [Fact]
    public async Task CallSpan_BodyTheLibraryDecoded_ResponseBodySizeIsTheEncodedBytes()
    {
        var server = await LoopbackServer.Shared;
        using var capture = new TelemetryCapture(metrics: false);
        using var client = LoopbackVersions.EventingClient(false, DecodingTests.Decoding());

        var (response, body, _) = await DecodingTests.ReadAsync(client, server, false, $"wire/gzip/{Length}", ReadPath.ReadAsync);

        response.Dispose();
        Assert.Equal(Length, body.Length);
        var span = Assert.Single(capture.CallActivities);
        await capture.StoppedAsync(span);
        Assert.Equal((long)LoopbackServer.WireEncoded("gzip", Length).Length, span.GetTagItem("http.response.body.size"));
    }

    [Fact]
    public async Task BodySizes_RetriedCall_OneMeasurementPerAttemptTaggedWithItsStatus()
    {
        var server = await LoopbackServer.Shared;
        using var capture = new TelemetryCapture(activities: false);
        using var client = new HttpClient(new CallHandler(new EventingOptions().Snapshot(), services: null)
        {
            InnerHandler = new RetryOnce { InnerHandler = new AttemptHandler { InnerHandler = new SocketsHttpHandler() } },
        });
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url($"flaky/{LoopbackServer.NewKey()}?failures=1&status=503&n=5000"))
        {
            Content = new ByteArrayContent(new byte[1234]),
        };

        using var response = await client.SendAsync(request).WithTimeout();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var responses = capture.Of("http.client.response.body.size");
        // The retry handler disposed the 503's body unread: that attempt received none of its bytes.
        Assert.Equal([(0d, 503), (5000d, 200)], responses.Select(m => (m.Value, (int)m.Tags["http.response.status_code"]!)));
        Assert.Equal("503", responses[0].Tags["error.type"]);
        Assert.False(responses[1].Tags.ContainsKey("error.type"));
        var requests = capture.Of("http.client.request.body.size");
        Assert.Equal([1234d, 1234d], requests.Select(m => m.Value));
        Assert.Single(capture.Of("handlers.eventing.call.duration"));
    }

    [Fact]
    public async Task OpenTelemetrySdk_RetriedDecodedCall_ExportsOnePointPerAttemptStatusInWireBytes()
    {
        var server = await LoopbackServer.Shared;
        var metrics = new List<MetricSnapshot>();
        var key = LoopbackServer.NewKey();
        using (var meters = Sdk.CreateMeterProviderBuilder().AddMeter(EventingTelemetry.MeterName).AddInMemoryExporter(metrics).Build())
        {
            using var services = new ServiceCollection()
                .AddHttpClient("sdk").AddHttpMessageHandler(() => new RetryOnce())
                .AddEventing(o => o.ResponseBody.AutomaticDecompression = DecompressionMethods.All)
                .Services.BuildServiceProvider();
            using var client = services.GetRequiredService<IHttpClientFactory>().CreateClient("sdk");
            using var request = new HttpRequestMessage(HttpMethod.Get, server.Url($"wire/gzip/{Length}"));
            request.Options.Set(RetryOnce.FirstUri, server.Url($"flaky/{key}?failures=1&status=503"));

            var body = await (await client.SendAsync(request).WithTimeout()).Content.ReadAsByteArrayAsync();

            Assert.Equal(Length, body.Length);
            Assert.True(meters.ForceFlush(5000));
        }

        var responseSize = metrics.Last(m => m.Name == "http.client.response.body.size");
        var points = responseSize.MetricPoints.ToDictionary(p => StatusOf(p), p => (p.GetHistogramCount(), p.GetHistogramSum()));
        Assert.Equal((1L, 0d), points[503]);
        Assert.Equal((1L, (double)LoopbackServer.WireEncoded("gzip", Length).Length), points[200]);
        Assert.DoesNotContain(metrics, m => m.Name == "http.client.request.body.size");
    }

    private static int StatusOf(MetricPoint point)
    {
        foreach (var tag in point.Tags)
        {
            if (tag.Key == "http.response.status_code")
            {
                return (int)tag.Value!;
            }
        }

        return 0;
    }

    /// <summary>Retries a 5xx once (sending the first attempt to <see cref="FirstUri"/> when the request names one).</summary>
    private sealed class RetryOnce : DelegatingHandler
    {
        public static readonly HttpRequestOptionsKey<Uri> FirstUri = new("test.first-uri");

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var uri = request.RequestUri;
            if (request.Options.TryGetValue(FirstUri, out var first))
            {
                request.RequestUri = first;
            }

            var response = await base.SendAsync(request, cancellationToken);
            request.RequestUri = uri;
            if ((int)response.StatusCode < 500)
            {
                return response;
            }

            response.Dispose();
            return await base.SendAsync(request, cancellationToken);
        }
    }
}
