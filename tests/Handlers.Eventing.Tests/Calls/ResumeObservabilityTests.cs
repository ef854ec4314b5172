using System.Diagnostics;
using Handlers.Eventing.Tests.Infrastructure;
using Handlers.Eventing.Tests.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Handlers.Eventing.Tests.Calls;

// Issue 25: a resumed body in telemetry (resend count, a resume event, one body-size measurement per attempt of the wire
// bytes it delivered) and in the lifecycle log (one line per resume).
[Collection(TelemetryCollection.Name)]
public sealed class ResumeObservabilityTests
{
    private const int Length = 300_000;
    private const int Cut = 100_000;

    [Fact]
    public async Task Resumed_SpanCountsTheResumeAndEachAttemptMeasuresTheBytesItDelivered()
    {
        var server = await LoopbackServer.Shared;
        using var capture = new TelemetryCapture();
        using var client = new HttpClient(new EventingHandler(
            new SocketsHttpHandler(), new EventingOptions { ResponseBody = new ResponseBodyOptions { MaxResumeAttempts = 1 } }));
        var key = LoopbackServer.NewKey();
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url($"resume/{Length}?key={key}&cut={Cut}"));
        var call = HttpCall.For(request);
        server.SignalDelivered(call, key);

        using (var response = await client.SendAsync(request).WithTimeout())
        {
            Assert.Equal(Length, (await response.Content.ReadAsByteArrayAsync()).Length);
        }

        var span = Assert.Single(capture.CallActivities);
        await capture.StoppedAsync(span);
        Assert.Equal(ActivityStatusCode.Unset, span.Status);
        Assert.Equal(1, span.GetTagItem("http.request.resend_count"));
        var resume = Assert.Single(span.Events, e => e.Name == "handlers.eventing.retry");
        Assert.Equal("resume", resume.Tags.Single(t => t.Key == "handlers.eventing.attempt.kind").Value);

        var sizes = capture.Of("http.client.response.body.size").OrderBy(m => m.Value).ToList();
        Assert.Equal([(double)Cut, Length - Cut], sizes.Select(m => m.Value));
        Assert.Equal(200, sizes[0].Tags["http.response.status_code"]);
        Assert.True(sizes[0].Tags.ContainsKey("error.type"), "the cut attempt's measurement carries its failure");
        Assert.Equal(206, sizes[1].Tags["http.response.status_code"]);
        Assert.False(sizes[1].Tags.ContainsKey("error.type"));
    }

    [Fact]
    public async Task Resumed_TheResumeRequestCarriesItsOwnTraceContext()
    {
        var server = await LoopbackServer.Shared;
        using var capture = new TelemetryCapture(runtime: true);
        using var client = new HttpClient(new EventingHandler(
            new SocketsHttpHandler(), new EventingOptions { ResponseBody = new ResponseBodyOptions { MaxResumeAttempts = 1 } }));
        var key = LoopbackServer.NewKey();
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url($"resume/{Length}?key={key}&cut={Cut}"));
        server.SignalDelivered(HttpCall.For(request), key);

        using (var response = await client.SendAsync(request).WithTimeout())
        {
            Assert.Equal(Length, (await response.Content.ReadAsByteArrayAsync()).Length);
        }

        // Each attempt's runtime activity wrote its own traceparent: the resume does not carry the cut attempt's.
        var traceparents = server.ResumeTraceparents(key);
        Assert.Equal(2, traceparents.Count);
        Assert.All(traceparents, t => Assert.False(string.IsNullOrEmpty(t)));
        Assert.NotEqual(traceparents[0], traceparents[1]);
        Assert.Equal(2, capture.RuntimeActivities.Count);
        Assert.Equal(capture.RuntimeActivities[1].Id, traceparents[1]);
    }

    [Fact]
    public async Task Resumed_LifecycleLog_OneLinePerResumeThenTheEnd()
    {
        var server = await LoopbackServer.Shared;
        var logs = new CapturingLoggerProvider { MinimumLevel = LogLevel.Information };
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
        services.AddHttpClient("files").RemoveAllLoggers().AddEventing(o =>
        {
            o.LogLifecycle = true;
            o.ResponseBody.MaxResumeAttempts = 1;
        });
        using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("files");
        var key = LoopbackServer.NewKey();
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url($"resume/{Length}?key={key}&cut={Cut}"));
        server.SignalDelivered(HttpCall.For(request), key);

        using (var response = await client.SendAsync(request).WithTimeout())
        {
            Assert.Equal(Length, (await response.Content.ReadAsByteArrayAsync()).Length);
        }

        var records = logs.ForCategory("Handlers.Eventing.HttpCall.files");
        Assert.Equal(["Retrying", "CallSucceeded"], records.Select(r => r.EventId.Name));
        Assert.Equal("Resume", records[0]["AttemptKind"]?.ToString());
        Assert.Contains("attempt 2 (Resume)", records[0].Message, StringComparison.Ordinal);
        Assert.Equal(1, records[1]["RetryCount"]);
    }
}
