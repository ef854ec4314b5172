using Handlers.Eventing.Tests.Infrastructure;
using Handlers.Eventing.Tests.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Handlers.Eventing.Tests.Calls;

// Issue 22, item 6: BytesSent has one definition, and the lifecycle line, the span's http.request.body.size and
// HttpCallResponse.BytesSent report it alike (the logger and telemetry each had their own fallback, and disagreed on a
// send that failed with a declared length).
[Collection(TelemetryCollection.Name)]
public class BytesSentTests
{
    [Fact]
    public async Task BytesSent_UploadNotListened_LogSpanAndResponseAgreeOnTheDeclaredLength()
    {
        var server = await LoopbackServer.Shared;
        var (records, span, response) = await SendAsync(server.Url("upload"), new ByteArrayContent(new byte[7000]));

        Assert.Equal(7000L, response.BytesSent);
        Assert.Equal(7000L, records[^1]["BytesSent"]);
        Assert.Equal(7000L, span.GetTagItem("http.request.body.size"));
    }

    [Fact]
    public async Task BytesSent_SendFailedUncounted_LogSaysZeroAndSpanReportsNothing()
    {
        var (records, span, response) = await SendAsync(LoopbackServer.RefusedAddress(), new ByteArrayContent(new byte[7000]));

        Assert.NotNull(response.Error);
        Assert.Equal(0L, response.BytesSent);
        Assert.Equal(0L, records[^1]["BytesSent"]);
        Assert.Null(span.GetTagItem("http.request.body.size"));
    }

    [Fact]
    public async Task BytesSent_NoBody_IsZeroEverywhere()
    {
        var server = await LoopbackServer.Shared;
        var (records, span, response) = await SendAsync(server.Url("bytes/10"), content: null);

        Assert.Equal(0L, response.BytesSent);
        Assert.Equal(0L, records[^1]["BytesSent"]);
        Assert.Equal(0L, span.GetTagItem("http.request.body.size"));
    }

    private static async Task<(IReadOnlyList<CapturingLoggerProvider.LogRecord> Records, System.Diagnostics.Activity Span, HttpCallResponse Response)> SendAsync(
        Uri url, HttpContent? content)
    {
        var logs = new CapturingLoggerProvider();
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
        services.AddHttpClient("sent").AddEventing(o => o.LogLifecycle = true);
        using var provider = services.BuildServiceProvider();
        using var capture = new TelemetryCapture(metrics: false);
        using var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("sent");
        using var request = new HttpRequestMessage(content is null ? HttpMethod.Get : HttpMethod.Post, url) { Content = content };
        var call = HttpCall.For(request);

        try
        {
            using var response = await client.SendAsync(request).WithTimeout();
        }
        catch (HttpRequestException)
        {
            // The refused connection: the call ended in error.
        }

        var final = await call.Completion.WithTimeout();
        var span = Assert.Single(capture.CallActivities);
        await capture.StoppedAsync(span);
        return (logs.ForCategory("Handlers.Eventing.HttpCall.sent"), span, final);
    }
}
