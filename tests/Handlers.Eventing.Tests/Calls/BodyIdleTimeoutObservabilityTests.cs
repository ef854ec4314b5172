using System.Diagnostics;
using Handlers.Eventing.Tests.Infrastructure;
using Handlers.Eventing.Tests.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Handlers.Eventing.Tests.Calls;

// Issue 23: a stalled body in the lifecycle log (it says so, after how long, at how many bytes) and on the call's span
// (error.type is the exception's type, status Error).
[Collection(TelemetryCollection.Name)]
public sealed class BodyIdleTimeoutObservabilityTests
{
    private static readonly TimeSpan s_idle = TimeSpan.FromMilliseconds(250);

    [Fact]
    public async Task Stall_LifecycleLine_SaysTheBodyStalledAfterHowLongAtHowManyBytes()
    {
        var server = await LoopbackServer.Shared;
        var logs = new CapturingLoggerProvider { MinimumLevel = LogLevel.Information };
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
        services.AddHttpClient("downloads").AddEventing(o =>
        {
            o.LogLifecycle = true;
            o.ResponseBody.IdleTimeout = s_idle;
        });
        using var provider = services.BuildServiceProvider();
        using var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("downloads");

        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetByteArrayAsync(server.Url("hang-body/100000?send=20000")).WithTimeout());

        var end = Assert.Single(logs.ForCategory("Handlers.Eventing.HttpCall.downloads"));
        Assert.Equal(LogLevel.Warning, end.Level);
        Assert.Equal("Stalled (no byte for 250.0ms after 20000 B)", end["Outcome"]);
        Assert.Equal(20000L, end["BytesReceived"]);
        Assert.Contains("ended in Stalled (no byte for 250.0ms after 20000 B): status 200", end.Message, StringComparison.Ordinal);
        Assert.IsType<HttpBodyIdleTimeoutException>(end.Exception);
    }

    [Fact]
    public async Task Stall_CallSpan_ErrorTypeIsTheExceptionsType()
    {
        var server = await LoopbackServer.Shared;
        using var capture = new TelemetryCapture();
        using var client = new HttpClient(new EventingHandler(
            new SocketsHttpHandler(), new EventingOptions { ResponseBody = new ResponseBodyOptions { IdleTimeout = s_idle } }));

        using var response = await client.GetAsync(server.Url("hang-body/100000?send=20000"), HttpCompletionOption.ResponseHeadersRead).WithTimeout();
        await using var stream = await response.Content.ReadAsStreamAsync();
        await Assert.ThrowsAsync<HttpBodyIdleTimeoutException>(() => stream.CopyToAsync(Stream.Null).WithTimeout());

        var span = Assert.Single(capture.CallActivities);
        await capture.StoppedAsync(span);
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal(typeof(HttpBodyIdleTimeoutException).FullName, span.GetTagItem("error.type"));
        var duration = Assert.Single(capture.Of("handlers.eventing.call.duration"));
        Assert.Equal(typeof(HttpBodyIdleTimeoutException).FullName, duration.Tags["error.type"]);
    }
}
