using System.Diagnostics;
using System.Net;
using Handlers.Eventing.Tests.Infrastructure;
using Handlers.Eventing.Tests.Telemetry;

namespace Handlers.Eventing.Tests.Handlers.Internal;

/// <summary>
/// The call part of the pipeline through the public surface: what the caller's flow holds after a synchronous send. Found by
/// mutation testing (docs/testing.md).
/// </summary>
[Collection(TelemetryCollection.Name)]
public class CallHandlerTests
{
    [Theory]
    [PipelineShapes]
    public void Send_SyncWithTheCallsActivityListened_TheCallersActivityIsCurrentAgainWhenSendReturns(PipelineShape shape)
    {
        using var capture = new TelemetryCapture();
        using var client = new HttpClient(EventingPipeline.Create(
            new InlineHandler(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(new byte[10]) }), shape));
        using var ambient = new Activity("caller").Start();
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://example.test/activity");

        // Headers read: the call (and its activity) still runs when Send returns, but the caller's flow gets its own back.
        using var response = client.Send(request, HttpCompletionOption.ResponseHeadersRead);

        Assert.Same(ambient, Activity.Current);
        var call = Assert.Single(capture.CallActivities);
        Assert.Same(ambient, call.Parent);
    }
}
