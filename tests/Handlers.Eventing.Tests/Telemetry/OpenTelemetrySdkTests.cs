using System.Diagnostics;
using Handlers.Eventing.Tests.Infrastructure;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Handlers.Eventing.Tests.Telemetry;

/// <summary>What a user of the OpenTelemetry SDK gets from the two lines docs/telemetry.md tells them to add.</summary>
[Collection(TelemetryCollection.Name)]
public sealed class OpenTelemetrySdkTests
{
    [Fact]
    public async Task AddSourceAndAddMeter_OneCall_ExportsTheCallSpanAboveTheRuntimeSpanAndOnePointPerInstrument()
    {
        var server = await LoopbackServer.Shared;
        var spans = new List<Activity>();
        var metrics = new List<MetricSnapshot>();
        using (var tracing = Sdk.CreateTracerProviderBuilder()
            .AddSource(EventingTelemetry.ActivitySourceName)
            .AddSource("System.Net.Http")
            .AddInMemoryExporter(spans)
            .Build())
        using (var meters = Sdk.CreateMeterProviderBuilder()
            .AddMeter(EventingTelemetry.MeterName)
            .AddInMemoryExporter(metrics)
            .Build())
        {
            using var client = new HttpClient(new EventingHandler(new SocketsHttpHandler()));
            var key = LoopbackServer.NewKey();
            using (var response = await client.GetAsync(server.Url($"telemetry/headers-then-body/65536?key={key}"), HttpCompletionOption.ResponseHeadersRead).WithTimeout())
            {
                server.Signal(key);
                await response.Content.CopyToAsync(Stream.Null).WithTimeout();
            }

            Assert.True(tracing.ForceFlush(5000));
            Assert.True(meters.ForceFlush(5000));
        }

        var call = Assert.Single(spans, s => s.Source.Name == EventingTelemetry.ActivitySourceName);
        var attempt = Assert.Single(spans, s => s.Source.Name == "System.Net.Http");
        Assert.Equal(call.TraceId, attempt.TraceId);
        Assert.Equal(call.SpanId, attempt.ParentSpanId);
        Assert.Equal(ActivityKind.Internal, call.Kind);
        Assert.Equal("GET call", call.DisplayName);
        Assert.Equal("GET", attempt.DisplayName);   // the runtime's per-attempt span: the two read apart in a trace list
        Assert.True(call.Duration > attempt.Duration);
        Assert.Equal(65536L, call.GetTagItem("http.response.body.size"));
        Assert.Equal(200, call.GetTagItem("http.response.status_code"));
        Assert.Equal($"{server.BaseAddress}telemetry/headers-then-body/65536?key=*", call.GetTagItem("url.full"));

        // Every export (the flush, then the disposal) adds a snapshot of the cumulative state: read the last of each.
        var byName = new Dictionary<string, MetricSnapshot>(StringComparer.Ordinal);
        foreach (var metric in metrics)
        {
            byName[metric.Name] = metric;
        }

        Assert.Equal("s", byName["handlers.eventing.call.duration"].Unit);
        Assert.Equal("By", byName["http.client.response.body.size"].Unit);
        Assert.False(byName.ContainsKey("http.client.request.body.size"), "a GET without content has no request body size");
        var responseSize = Assert.Single(byName["http.client.response.body.size"].MetricPoints);
        Assert.Equal(1, responseSize.GetHistogramCount());
        Assert.Equal(65536d, responseSize.GetHistogramSum());
        var tags = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var tag in responseSize.Tags)
        {
            tags[tag.Key] = tag.Value;
        }

        Assert.Equal("GET", tags["http.request.method"]);
        Assert.Equal(200, tags["http.response.status_code"]);
        Assert.Equal("127.0.0.1", tags["server.address"]);
        Assert.Equal(server.BaseAddress.Port, tags["server.port"]);
        Assert.Equal("http", tags["url.scheme"]);
        Assert.Equal("1.1", tags["network.protocol.version"]);
        var duration = Assert.Single(byName["handlers.eventing.call.duration"].MetricPoints);
        Assert.Equal(1, duration.GetHistogramCount());
        Assert.True(duration.GetHistogramSum() >= attempt.Duration.TotalSeconds);
    }
}
