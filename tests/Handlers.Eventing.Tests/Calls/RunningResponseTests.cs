using System.Diagnostics;
using Handlers.Eventing.Tests.Infrastructure;
using Handlers.Eventing.Tests.Telemetry;

namespace Handlers.Eventing.Tests.Calls;

// Issue 19, defect 5 (design.md r3 §4): until a response is returned, HttpCallResponse's HttpResponse, StatusCode and Attempt
// describe the latest attempt whose headers arrived — also inside httpDone of a body that ended at its headers (a 200 with
// Content-Length: 0, an empty 404) — and the span's body-end event names the attempt whose body ended.
[Collection(TelemetryCollection.Name)]
public class RunningResponseTests
{
    public static TheoryData<bool, string, int, PipelineShape> Cases
    {
        get
        {
            var data = new TheoryData<bool, string, int, PipelineShape>();
            foreach (var shape in new[] { PipelineShape.OneLayer, PipelineShape.TwoParts })
            {
                data.Add(false, "bytes/0", 200, shape);
                data.Add(true, "bytes/0", 200, shape);
                data.Add(false, "status/404?body=", 404, shape);
                data.Add(true, "status/404?body=", 404, shape);
                data.Add(false, "bytes/10", 200, shape);
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task HttpDone_BodyEndsAtHeadersOrLater_ResponseDescribesTheAttempt(bool http2, string path, int status, PipelineShape shape)
    {
        var server = await LoopbackServer.Shared;
        using var capture = new TelemetryCapture(metrics: false);
        using var client = LoopbackVersions.EventingClient(http2, shape);
        using var request = server.Request(http2, path);
        var call = HttpCall.For(request);
        (int Attempt, int? Status, bool HasResponse)? atDone = null;
        call.On(HttpEvents.HttpDone, r => atDone = (r.Attempt, (int?)r.StatusCode, r.HttpResponse is not null));

        using var response = await client.SendAsync(request).WithTimeout();
        var final = await call.Completion.WithTimeout();

        Assert.Equal((1, status, true), atDone);
        Assert.Equal(1, final.Attempt);
        var activity = Assert.Single(capture.CallActivities);
        await capture.StoppedAsync(activity);
        var bodyEnd = Assert.Single(activity.Events, static e => e.Name.Contains("body", StringComparison.Ordinal));
        Assert.Equal(1, Assert.Single(bodyEnd.Tags, static t => t.Key.EndsWith("attempt", StringComparison.Ordinal)).Value);
    }
}
