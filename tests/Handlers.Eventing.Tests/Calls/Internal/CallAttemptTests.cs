using System.Net;
using Handlers.Eventing.Internal;
using Handlers.Eventing.Tests.Infrastructure;

namespace Handlers.Eventing.Tests.Calls.Internal;

/// <summary>
/// One attempt alone, without a server or a handler: a started call, its attempt, and the calls the attempt handler makes on
/// it (its headers, a failed send, the request content it wraps and puts back, its timings).
/// </summary>
public class CallAttemptTests
{
    [Fact]
    public void OnHeaders_Response_RaisesHttpHeadersAndReportsTheAttemptsStatusVersionAndTime()
    {
        var (call, recorder, attempt) = Begun();
        HttpHeadersEvent? headers = null;
        call.On(HttpEvents.HttpHeaders, e => headers = e);

        using var response = attempt.OnHeaders(new HttpResponseMessage(HttpStatusCode.Accepted) { Content = new ByteArrayContent(new byte[10]), Version = HttpVersion.Version20 });

        Assert.Equal(["httpHeaders:202"], recorder.Names);
        Assert.Same(response, headers!.Response);
        Assert.Equal(1, headers.Attempt);
        Assert.IsType<ObservedResponseContent>(response.Content);
        Assert.Equal(HttpStatusCode.Accepted, attempt.StatusCode);
        Assert.Equal(HttpVersion.Version20, attempt.ResponseVersion);
        Assert.NotEqual(0, attempt.HeadersTimestamp);
        Assert.Same(response, call.Response.HttpResponse);
        Assert.Equal(1, call.Response.Attempt);
    }

    [Fact]
    public void OnHeaders_NoContentStatus_TheBodyEndsAtOnce()
    {
        var (_, recorder, attempt) = Begun();

        using var response = attempt.OnHeaders(new HttpResponseMessage(HttpStatusCode.NoContent) { Content = new ByteArrayContent([]) });

        // Nobody reads a body a 204 cannot have: its end (a final 0 of 0 progress, then httpDone) is raised by the headers.
        Assert.Equal(["httpHeaders:204", "httpDownloadProgress", "httpDone"], recorder.Names);
        Assert.Equal((0L, (long?)0L), (recorder.DownloadProgress.Single().Loaded, recorder.DownloadProgress.Single().Total));
    }

    [Fact]
    public void OnHeaders_HeadersListenerThrows_ThrowsItsExceptionAndReleasesTheResponse()
    {
        var thrown = new ListenerException();
        var (_, recorder, attempt) = Begun(listen: c => c.On(HttpEvents.HttpHeaders, _ => throw thrown));
        var body = new ProbeContent();
        var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = body };

        var actual = Assert.Throws<ListenerException>(() => attempt.OnHeaders(response));

        Assert.Same(thrown, actual);
        Assert.True(body.Disposed);
        Assert.Equal(["httpHeaders:200"], recorder.Names);
        Assert.Empty(recorder.HttpErrors);
    }

    [Fact]
    public void OnSendFailed_TransportException_RaisesHttpErrorWithItAndReturns()
    {
        var (call, recorder, attempt) = Begun();
        var failure = new HttpRequestException("Connection refused.");

        attempt.OnSendFailed(failure);

        Assert.Same(failure, Assert.Single(recorder.HttpErrors));
        Assert.Equal(["httpError"], recorder.Names);
        Assert.False(call.IsFinished);
    }

    [Fact]
    public void OnSendFailed_Cancellation_RaisesNoHttpError()
    {
        var (_, recorder, attempt) = Begun();

        attempt.OnSendFailed(new TaskCanceledException());

        Assert.Empty(recorder.Names);
    }

    [Fact]
    public void OnSendFailed_HttpErrorListenerThrows_ThrowsTheListenersException()
    {
        var thrown = new ListenerException();
        var (_, recorder, attempt) = Begun(listen: c => c.On(HttpEvents.HttpError, _ => throw thrown));

        var actual = Assert.Throws<ListenerException>(() => attempt.OnSendFailed(new HttpRequestException("reset")));

        Assert.Same(thrown, actual);
        Assert.Equal(["httpError"], recorder.Names);
    }

    [Fact]
    public void OnSendFailed_AfterAnUploadListenerThrew_ThrowsTheListenersExceptionNotTheTransportsAndRaisesNoHttpError()
    {
        var thrown = new ListenerException();
        var (call, recorder, attempt) = Begun(new ByteArrayContent(new byte[100]), listen: c => c.On(HttpEvents.HttpUploadProgress, _ => throw thrown));
        Assert.Same(thrown, Assert.Throws<ListenerException>(() => attempt.OnBytesSent(40, 100)));

        // The transport wraps what the content threw: the attempt throws the listener's own object instead.
        var actual = Assert.Throws<ListenerException>(() => attempt.OnSendFailed(new HttpRequestException("wrapped", thrown)));

        Assert.Same(thrown, actual);
        Assert.Empty(recorder.HttpErrors);
        Assert.Equal(40, call.Response.BytesSent);
    }

    [Fact]
    public void OnBytesSent_UploadListener_RaisesProgressOfTheAttemptAndCountsTheBytes()
    {
        var (_, recorder, attempt) = Begun(new ByteArrayContent(new byte[100]));

        attempt.OnBytesSent(40, 100);
        attempt.OnBytesSent(100, 100);

        Assert.Equal([(40L, (long?)100L, 1), (100L, (long?)100L, 1)], recorder.UploadProgress.Select(p => (p.Loaded, p.Total, p.Attempt)));
        Assert.Equal(100, attempt.BytesSent);
        Assert.Equal(100, attempt.RequestBodyBytes);
    }

    [Fact]
    public void ObserveRequestContent_UploadListener_WrapsTheContentUntilTheSendReturns()
    {
        var original = new ByteArrayContent(new byte[100]);
        var (_, _, attempt) = Begun(original);
        var request = attempt.Call.Request;

        // BeginAttempt observed the content: the transport reads the wrapper while the attempt runs.
        Assert.IsType<ObservedRequestContent>(request.Content);
        attempt.OnSendReturned();

        Assert.Same(original, request.Content);
    }

    [Fact]
    public void ObserveRequestContent_NoUploadListener_LeavesTheContentAndReportsTheDeclaredLength()
    {
        var original = new ByteArrayContent(new byte[100]);
        using var request = new HttpRequestMessage(HttpMethod.Post, "http://localhost/") { Content = original };
        var call = HttpCall.For(request);
        call.On(HttpEvents.HttpDownloadProgress, _ => { });
        var token = CancellationToken.None;
        Assert.True(call.TryStart(new EventingOptions().Snapshot(), services: null, ref token));
        var attempt = call.BeginAttempt(request)!;

        attempt.ObserveRequestContent();

        Assert.Same(original, attempt.Call.Request.Content);
        Assert.Equal(100, attempt.RequestBodyBytes);
        attempt.OnSendReturned();
        Assert.Same(original, attempt.Call.Request.Content);
    }

    [Fact]
    public void RequestBodyBytes_NoContent_IsNull()
    {
        var (_, _, attempt) = Begun();

        Assert.Null(attempt.RequestBodyBytes);
    }

    [Fact]
    public void EndTimings_CollectTimings_TheTimerStartsAndItsTimingsBecomeTheCalls()
    {
        var (call, _, attempt) = Begun(options: new EventingOptions { CollectTimings = true });

        attempt.StartTimer();
        var timings = attempt.EndTimings();
        attempt.OnSendReturned();

        Assert.NotNull(attempt.Timer);
        Assert.NotNull(timings);
        Assert.Same(timings, call.Response.Timings);
    }

    [Fact]
    public void EndTimings_TimingsOff_NoTimerAndNoTimings()
    {
        var (call, _, attempt) = Begun();

        attempt.StartTimer();

        Assert.Null(attempt.Timer);
        Assert.Null(attempt.EndTimings());
        Assert.Null(call.Response.Timings);
    }

    [Fact]
    public void AcceptDecodedCodings_LibraryDecodes_TheRequestAcceptsThoseCodings()
    {
        var options = new EventingOptions { ResponseBody = new ResponseBodyOptions { AutomaticDecompression = DecompressionMethods.GZip | DecompressionMethods.Brotli } };

        // BeginAttempt adds them, as a decoding primary handler would.
        var (call, _, _) = Begun(options: options);

        Assert.Equal(["gzip", "br"], call.Request.Headers.AcceptEncoding.Select(e => e.Value));
    }

    [Fact]
    public void AcceptDecodedCodings_NoDecoding_TheRequestIsUnchanged()
    {
        var (call, _, _) = Begun();

        Assert.Empty(call.Request.Headers.AcceptEncoding);
    }

    /// <summary>
    /// Starts a call as the call part would, and begins its first attempt as the attempt part would; the recorder (with upload
    /// progress) is attached after <paramref name="listen"/>'s listeners.
    /// </summary>
    private static (HttpCall Call, EventRecorder Recorder, CallAttempt Attempt) Begun(
        HttpContent? content = null, EventingOptions? options = null, Action<HttpCall>? listen = null)
    {
        var request = new HttpRequestMessage(content is null ? HttpMethod.Get : HttpMethod.Post, "http://localhost/") { Content = content };
        var call = HttpCall.For(request);
        listen?.Invoke(call);
        var recorder = new EventRecorder(call);
        var token = CancellationToken.None;
        Assert.True(call.TryStart((options ?? new EventingOptions()).Snapshot(), services: null, ref token));
        return (call, recorder, call.BeginAttempt(request)!);
    }

    /// <summary>A content that tells whether it was disposed.</summary>
    private sealed class ProbeContent : ByteArrayContent
    {
        public ProbeContent()
            : base(new byte[10])
        {
        }

        public bool Disposed { get; private set; }

        protected override void Dispose(bool disposing)
        {
            Disposed = true;
            base.Dispose(disposing);
        }
    }
}
