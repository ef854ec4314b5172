using System.Diagnostics;
using System.Net;
using Handlers.Eventing.Internal;
using Handlers.Eventing.Testing;

namespace Handlers.Eventing.Tests.Telemetry;

/// <summary>
/// The telemetry observer driven directly, as the call drives it: created when the call starts, told about retries, headers
/// and the end of the body, and ended once with the final <see cref="HttpCallResponse"/>.
/// </summary>
[Collection(TelemetryCollection.Name)]
public sealed class CallTelemetryTests
{
    private const string Url = "http://api.example.test:8080/files/report.csv?token=secret&page=2";

    [Fact]
    public void Create_NoListener_ReturnsNull()
    {
        var call = NewCall();

        Assert.Null(CallTelemetry.Factory.Create(call));
        Assert.Null(Activity.Current);
    }

    [Fact]
    public void Create_ActivityListener_StartsCurrentInternalActivityWithRequestAttributes()
    {
        using var capture = new TelemetryCapture(metrics: false);
        using var ambient = new Activity("ambient").Start();
        var call = NewCall();

        var observer = Assert.IsType<CallTelemetry>(CallTelemetry.Factory.Create(call));

        var activity = Assert.Single(capture.CallActivities);
        Assert.Same(activity, observer.Activity);
        Assert.Same(activity, Activity.Current);
        Assert.Same(ambient, activity.Parent);
        Assert.Equal(ActivityKind.Internal, activity.Kind);
        Assert.Equal(EventingTelemetry.ActivitySourceName, activity.Source.Name);
        Assert.Equal("Handlers.Eventing.HttpCall", activity.OperationName);
        Assert.Equal("GET call", activity.DisplayName);
        Assert.Equal("GET", activity.GetTagItem("http.request.method"));
        Assert.Equal("api.example.test", activity.GetTagItem("server.address"));
        Assert.Equal(8080, activity.GetTagItem("server.port"));
        Assert.Equal("http://api.example.test:8080/files/report.csv?token=*&page=*", activity.GetTagItem("url.full"));
        Assert.Null(activity.GetTagItem("http.request.method_original"));
        Assert.False(activity.IsStopped);
        activity.Stop();
    }

    [Fact]
    public void Create_UnknownMethod_ReportsOtherWithTheOriginal()
    {
        using var capture = new TelemetryCapture(metrics: false);
        var call = HttpCall.For(new HttpRequestMessage(new HttpMethod("PURGE"), Url));

        var observer = Assert.IsType<CallTelemetry>(CallTelemetry.Factory.Create(call));

        var activity = observer.Activity!;
        Assert.Equal("_OTHER", activity.GetTagItem("http.request.method"));
        Assert.Equal("PURGE", activity.GetTagItem("http.request.method_original"));
        Assert.Equal("HTTP call", activity.DisplayName);
        activity.Stop();
    }

    [Fact]
    public void Create_SamplerDropsTheActivityAndNoMeterListens_ReturnsNull()
    {
        using var capture = new TelemetryCapture(metrics: false, sampling: ActivitySamplingResult.None);

        Assert.Null(CallTelemetry.Factory.Create(NewCall()));
        Assert.Empty(capture.Started);
    }

    [Fact]
    public void Create_Sampler_SeesTheRequestAttributesWhenTheSpanIsCreated()
    {
        Dictionary<string, object?>? seen = null;
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == EventingTelemetry.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> options) =>
            {
                seen = options.Tags?.ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal);
                return ActivitySamplingResult.None;
            },
        };
        ActivitySource.AddActivityListener(listener);

        Assert.Null(CallTelemetry.Factory.Create(NewCall()));

        Assert.NotNull(seen);
        Assert.Equal("GET", seen["http.request.method"]);
        Assert.Equal("api.example.test", seen["server.address"]);
        Assert.Equal(8080, seen["server.port"]);
        Assert.Equal("http://api.example.test:8080/files/report.csv?token=*&page=*", seen["url.full"]);
    }

    [Fact]
    public void Create_OnlyTheMeterListens_MeasuresWithoutAnActivity()
    {
        using var capture = new TelemetryCapture(activities: false);
        var call = NewCall();

        var observer = Assert.IsType<CallTelemetry>(CallTelemetry.Factory.Create(call));
        End(observer, call, HttpStatusCode.OK, error: null, received: 10);

        Assert.Null(observer.Activity);
        Assert.Null(Activity.Current);
        Assert.Single(capture.Of("handlers.eventing.call.duration"));
    }

    [Fact]
    public void OnCallEnded_Success_StopsTheActivityWithStatusAndBodySizes()
    {
        using var capture = new TelemetryCapture(metrics: false);
        var call = NewCall(content: new ByteArrayContent(new byte[300]));
        var observer = (CallTelemetry)CallTelemetry.Factory.Create(call)!;
        var activity = observer.Activity!;

        End(observer, call, HttpStatusCode.OK, error: null, received: 1234);

        Assert.True(activity.IsStopped);
        Assert.Equal(ActivityStatusCode.Unset, activity.Status);
        Assert.Equal(200, activity.GetTagItem("http.response.status_code"));
        Assert.Equal(1234L, activity.GetTagItem("http.response.body.size"));
        Assert.Equal(300L, activity.GetTagItem("http.request.body.size"));
        Assert.Equal("1.1", activity.GetTagItem("network.protocol.version"));
        Assert.Null(activity.GetTagItem("error.type"));
        Assert.Null(activity.GetTagItem("http.request.resend_count"));
        Assert.Null(activity.GetTagItem("handlers.eventing.timing.total"));
        Assert.Null(Activity.Current);
    }

    [Fact]
    public void OnCallEnded_TimingsCollected_SetsThePhasesInSecondsAndTheConnection()
    {
        using var capture = new TelemetryCapture(metrics: false);
        var call = NewCall();
        var observer = (CallTelemetry)CallTelemetry.Factory.Create(call)!;
        call.Response.Timings = new HttpTimings(
            queued: TimeSpan.FromMilliseconds(1), dns: null, connect: TimeSpan.FromMilliseconds(2), tls: null,
            request: TimeSpan.FromMilliseconds(3), firstByte: TimeSpan.FromMilliseconds(40), download: TimeSpan.FromSeconds(2),
            total: TimeSpan.FromMilliseconds(2046), connectionId: 7, connectionReused: false, httpVersion: HttpVersion.Version11);

        End(observer, call, HttpStatusCode.OK, error: null, received: 1);

        var activity = observer.Activity!;
        Assert.Equal(0.001, activity.GetTagItem("handlers.eventing.timing.queued"));
        Assert.Null(activity.GetTagItem("handlers.eventing.timing.dns"));
        Assert.Equal(0.002, activity.GetTagItem("handlers.eventing.timing.connect"));
        Assert.Null(activity.GetTagItem("handlers.eventing.timing.tls"));
        Assert.Equal(0.04, activity.GetTagItem("handlers.eventing.timing.first_byte"));
        Assert.Equal(2.0, activity.GetTagItem("handlers.eventing.timing.download"));
        Assert.Equal(2.046, activity.GetTagItem("handlers.eventing.timing.total"));
        Assert.Equal(7L, activity.GetTagItem("handlers.eventing.connection.id"));
        Assert.Equal(false, activity.GetTagItem("handlers.eventing.connection.reused"));
    }

    [Fact]
    public void OnCallEnded_StatusError_SetsErrorStatusAndTheStatusCodeAsErrorType()
    {
        using var capture = new TelemetryCapture(metrics: false);
        var call = NewCall();
        var observer = (CallTelemetry)CallTelemetry.Factory.Create(call)!;
        var statusError = new HttpRequestException("Response status code does not indicate success: 503 (Service Unavailable).", null, HttpStatusCode.ServiceUnavailable);

        End(observer, call, HttpStatusCode.ServiceUnavailable, statusError, received: 8, retryCount: 2);

        var activity = observer.Activity!;
        Assert.Equal(ActivityStatusCode.Error, activity.Status);
        Assert.Equal("503", activity.GetTagItem("error.type"));
        Assert.Equal(503, activity.GetTagItem("http.response.status_code"));
        Assert.Equal(2, activity.GetTagItem("http.request.resend_count"));
    }

    [Fact]
    public void OnCallEnded_TransportFailure_ReportsTheRuntimesErrorCategory()
    {
        using var capture = new TelemetryCapture(metrics: false);
        var call = NewCall();
        var observer = (CallTelemetry)CallTelemetry.Factory.Create(call)!;

        End(observer, call, status: null, new HttpRequestException(HttpRequestError.ConnectionError, "refused"), received: 0);

        var activity = observer.Activity!;
        Assert.Equal(ActivityStatusCode.Error, activity.Status);
        Assert.Equal("connection_error", activity.GetTagItem("error.type"));
        Assert.Null(activity.GetTagItem("http.response.status_code"));
        Assert.Equal(0L, activity.GetTagItem("http.response.body.size"));
    }

    [Fact]
    public void OnCallEnded_Canceled_ReportsTheExceptionTypeName()
    {
        using var capture = new TelemetryCapture(metrics: false);
        var call = NewCall();
        var observer = (CallTelemetry)CallTelemetry.Factory.Create(call)!;

        End(observer, call, HttpStatusCode.OK, new TaskCanceledException("timed out", new TimeoutException()), received: 100);

        Assert.Equal(ActivityStatusCode.Error, observer.Activity!.Status);
        Assert.Equal("System.Threading.Tasks.TaskCanceledException", observer.Activity.GetTagItem("error.type"));
    }

    [Fact]
    public void OnCallEnded_OnAFlowWithAnotherCurrentActivity_LeavesThatActivityCurrent()
    {
        using var capture = new TelemetryCapture(metrics: false);
        var call = NewCall();
        var observer = (CallTelemetry)CallTelemetry.Factory.Create(call)!;
        Activity.Current = null; // the caller's flow once SendAsync returned
        using var reader = new Activity("processing the body").Start();

        End(observer, call, HttpStatusCode.OK, error: null, received: 1);

        Assert.True(observer.Activity!.IsStopped);
        Assert.Same(reader, Activity.Current);
    }

    [Fact]
    public void OnCallEnded_OnTheCallsOwnFlow_RestoresTheAmbientActivity()
    {
        using var capture = new TelemetryCapture(metrics: false);
        using var ambient = new Activity("ambient").Start();
        var call = NewCall();
        var observer = (CallTelemetry)CallTelemetry.Factory.Create(call)!;

        End(observer, call, status: null, new HttpRequestException(HttpRequestError.NameResolutionError, "no such host"), received: 0);

        Assert.Same(ambient, Activity.Current);
    }

    [Fact]
    public void OnRetry_RetryAndHedge_AddEventsWithKindDelayAndPreviousOutcome()
    {
        using var capture = new TelemetryCapture(metrics: false);
        var call = NewCall();
        var observer = (CallTelemetry)CallTelemetry.Factory.Create(call)!;

        observer.OnRetry(new HttpRetryEvent(call, 2, HttpAttemptKind.Retry, TimeSpan.FromMilliseconds(1500), null, HttpStatusCode.ServiceUnavailable));
        observer.OnRetry(new HttpRetryEvent(call, 3, HttpAttemptKind.Retry, null, new HttpRequestException(HttpRequestError.ResponseEnded, "ended"), null));
        observer.OnRetry(new HttpRetryEvent(call, 4, HttpAttemptKind.Hedge, TimeSpan.FromSeconds(2), null, null));

        var events = observer.Activity!.Events.ToList();
        Assert.Equal(["handlers.eventing.retry", "handlers.eventing.retry", "handlers.eventing.retry"], events.Select(e => e.Name));
        var first = Tags(events[0]);
        Assert.Equal(2, first["handlers.eventing.attempt"]);
        Assert.Equal("retry", first["handlers.eventing.attempt.kind"]);
        Assert.Equal(1.5, first["handlers.eventing.retry.delay"]);
        Assert.Equal(503, first["http.response.status_code"]);
        Assert.False(first.ContainsKey("error.type"));
        var second = Tags(events[1]);
        Assert.Equal("response_ended", second["error.type"]);
        Assert.False(second.ContainsKey("handlers.eventing.retry.delay"));
        var hedge = Tags(events[2]);
        Assert.Equal("hedge", hedge["handlers.eventing.attempt.kind"]);
        Assert.Equal(4, hedge["handlers.eventing.attempt"]);
        Assert.Equal(2.0, hedge["handlers.eventing.retry.delay"]);
        observer.Activity.Stop();
    }

    [Fact]
    public void OnHeadersAndOnBodyEnded_AddEventsWithAttemptStatusAndSize()
    {
        using var capture = new TelemetryCapture(metrics: false);
        var call = NewCall();
        var observer = (CallTelemetry)CallTelemetry.Factory.Create(call)!;
        using var response = new HttpResponseMessage(HttpStatusCode.Accepted);

        observer.OnHeaders(new HttpHeadersEvent(HttpStatusCode.Accepted, response, call, 1));
        call.Response.Attempt = 1;
        call.Response.BytesReceived = 4096;
        observer.OnBodyEnded(call.Response, call.Response.Attempt);

        var events = observer.Activity!.Events.ToList();
        Assert.Equal(["handlers.eventing.headers", "handlers.eventing.body.end"], events.Select(e => e.Name));
        Assert.Equal(202, Tags(events[0])["http.response.status_code"]);
        Assert.Equal(1, Tags(events[0])["handlers.eventing.attempt"]);
        Assert.Equal(4096L, Tags(events[1])["http.response.body.size"]);
        Assert.True(events[0].Timestamp <= events[1].Timestamp);
        observer.Activity.Stop();
    }

    [Fact]
    public void OnCallEnded_MeterListened_RecordsTheDurationWithTheDocumentedTagsAndNoBodySize()
    {
        using var capture = new TelemetryCapture(activities: false);
        var call = NewCall(content: new ByteArrayContent(new byte[77]));
        var observer = CallTelemetry.Factory.Create(call)!;

        End(observer, call, HttpStatusCode.NotFound, new HttpRequestException("Response status code does not indicate success: 404 (Not Found).", null, HttpStatusCode.NotFound), received: 9);

        var duration = Assert.Single(capture.Of("handlers.eventing.call.duration"));
        Assert.Equal("s", duration.Unit);
        Assert.Equal(call.Response.Duration!.Value.TotalSeconds, duration.Value);
        var expected = ExpectedTags(404, "404");
        expected["network.protocol.version"] = "1.1";
        Assert.Equal(expected, duration.Tags);
        Assert.Empty(capture.Of("http.client.request.body.size"));
        Assert.Empty(capture.Of("http.client.response.body.size"));
    }

    [Fact]
    public void OnAttemptEnded_MeterListened_RecordsBothBodySizesWithTheAttemptsStatus()
    {
        using var capture = new TelemetryCapture(activities: false);
        var call = NewCall(content: new ByteArrayContent(new byte[77]));
        var observer = CallTelemetry.Factory.Create(call)!;

        observer.OnAttemptEnded(new AttemptEnd(1, HttpStatusCode.NotFound, RequestBodyBytes: 77, ResponseBodyBytes: 9, Error: null));

        var requestSize = Assert.Single(capture.Of("http.client.request.body.size"));
        var responseSize = Assert.Single(capture.Of("http.client.response.body.size"));
        Assert.Equal("By", requestSize.Unit);
        Assert.Equal("By", responseSize.Unit);
        Assert.Equal(77, requestSize.Value);
        Assert.Equal(9, responseSize.Value);
        Assert.All([requestSize, responseSize], m => Assert.Equal(ExpectedTags(404, "404"), m.Tags));
        Assert.Empty(capture.Of("handlers.eventing.call.duration"));
    }

    [Fact]
    public void OnAttemptEnded_SuccessWithoutRequestContent_RecordsOnlyTheResponseSizeWithoutErrorType()
    {
        using var capture = new TelemetryCapture(activities: false);
        var call = NewCall();
        var observer = CallTelemetry.Factory.Create(call)!;

        observer.OnAttemptEnded(new AttemptEnd(1, HttpStatusCode.OK, RequestBodyBytes: null, ResponseBodyBytes: 5, Error: null));

        var measurement = Assert.Single(capture.Of("http.client.response.body.size"));
        Assert.Equal(ExpectedTags(200, errorType: null), measurement.Tags);
        Assert.Empty(capture.Of("http.client.request.body.size"));
    }

    [Fact]
    public void OnAttemptEnded_SendFailed_RecordsTheRequestSizeWithTheErrorTypeAndNoResponseSize()
    {
        using var capture = new TelemetryCapture(activities: false);
        var call = NewCall(content: new ByteArrayContent(new byte[10]));
        var observer = CallTelemetry.Factory.Create(call)!;

        observer.OnAttemptEnded(new AttemptEnd(
            1, StatusCode: null, RequestBodyBytes: 10, ResponseBodyBytes: null, new HttpRequestException(HttpRequestError.ConnectionError)));

        var measurement = Assert.Single(capture.Of("http.client.request.body.size"));
        Assert.Equal(ExpectedTags(status: null, "connection_error"), measurement.Tags);
        Assert.Empty(capture.Of("http.client.response.body.size"));
    }

    [Fact]
    public void OnCallEnded_UploadOfUndeclaredLengthNobodyCounted_ReportsNoRequestBodySize()
    {
        using var capture = new TelemetryCapture();
        var call = NewCall(content: new StreamContent(new GeneratingStream(5000)));
        var observer = (CallTelemetry)CallTelemetry.Factory.Create(call)!;

        End(observer, call, HttpStatusCode.OK, error: null, received: 2);

        Assert.Null(observer.Activity!.GetTagItem("http.request.body.size"));
    }

    [Fact]
    public void OnCallEnded_UploadCounted_ReportsTheBytesHandedToTheTransport()
    {
        using var capture = new TelemetryCapture();
        var call = NewCall(content: new StreamContent(new GeneratingStream(5000)));
        var observer = (CallTelemetry)CallTelemetry.Factory.Create(call)!;
        call.Response.CountedBytesSent = 5000;

        End(observer, call, HttpStatusCode.OK, error: null, received: 2);

        Assert.Equal(5000L, observer.Activity!.GetTagItem("http.request.body.size"));
    }

    private static Dictionary<string, object?> ExpectedTags(int? status, string? errorType)
    {
        var tags = new Dictionary<string, object?>
        {
            ["http.request.method"] = "GET",
            ["server.address"] = "api.example.test",
            ["server.port"] = 8080,
            ["url.scheme"] = "http",
        };
        if (status is not null)
        {
            tags["http.response.status_code"] = status;
        }

        if (errorType is not null)
        {
            tags["error.type"] = errorType;
        }

        return tags;
    }

    private static HttpCall NewCall(HttpContent? content = null)
    {
        var call = HttpCall.For(new HttpRequestMessage(HttpMethod.Get, Url) { Content = content });
        call.Response.MarkStarted();
        return call;
    }

    private static void End(CallObserver observer, HttpCall call, HttpStatusCode? status, Exception? error, long received, int retryCount = 0)
    {
        var response = call.Response;
        if (status is { } code)
        {
            response.HttpResponse = new HttpResponseMessage(code) { RequestMessage = call.Request };
            response.StatusCode = code;
            response.Attempt = retryCount + 1;
        }

        response.RetryCount = retryCount;
        response.BytesReceived = received;
        response.Error = error;
        response.MarkEnded();
        observer.OnCallEnded(response);
    }

    private static Dictionary<string, object?> Tags(ActivityEvent e) => e.Tags.ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal);
}
