using System.Diagnostics;
using System.Net;

namespace Handlers.Eventing.Internal;

/// <summary>
/// One attempt of a call, as the attempt-level handler sends it: its number, its phase timer, the request content it
/// wrapped for upload progress, and observes its response (the body observer points back to it). Its events go through the call.
/// </summary>
internal sealed class CallAttempt
{
    private readonly HttpRequestMessage _request;
    private HttpContent? _originalContent;
    private Exception? _listenerFault;

    public CallAttempt(HttpCall call, HttpRequestMessage request, int number)
    {
        Call = call;
        _request = request;
        Number = number;
    }

    public HttpCall Call { get; }

    /// <summary>Gets the attempt's number, from 1, in the order the attempts started.</summary>
    public int Number { get; }

    /// <summary>Gets the timestamp of the response headers, or 0 before they arrived.</summary>
    public long HeadersTimestamp { get; private set; }

    /// <summary>Gets the request body bytes handed to the transport, when upload progress is listened to.</summary>
    public long BytesSent { get; private set; }

    /// <summary>Gets the status of the attempt's response, or <see langword="null"/> before its headers arrived.</summary>
    public HttpStatusCode? StatusCode { get; private set; }

    /// <summary>Gets the HTTP version of the attempt's response, or <see langword="null"/> before its headers arrived.</summary>
    public Version? ResponseVersion { get; private set; }

    /// <summary>
    /// Gets the attempt's request body bytes as its body-size measurement records them: counted by upload progress, else the
    /// declared length; <see langword="null"/> for a request without content or of unknown length.
    /// </summary>
    public long? RequestBodyBytes =>
        _request.Content is not { } content ? null
        : _originalContent is not null ? BytesSent
        : content.Headers.ContentLength;

    /// <summary>Gets the attempt's phase timer, when <see cref="EventingOptions.CollectTimings"/> is on.</summary>
    public AttemptTimer? Timer { get; private set; }

    /// <summary>
    /// Starts the attempt's phase timer when the client collects timings. Call it on the attempt handler's own flow just
    /// before sending: the timer becomes current on that flow so the transport's events reach it.
    /// </summary>
    public void StartTimer()
    {
        if (Call.Options.CollectTimings)
        {
            Timer = AttemptTimer.Start();
        }
    }

    /// <summary>
    /// Ends the attempt's timings (its body ended, was abandoned or failed, or its send failed) and returns them; they become
    /// <see cref="HttpCallResponse.Timings"/> when this is the attempt the call returned, or no attempt was returned yet.
    /// </summary>
    /// <returns>The final timings, or <see langword="null"/> when they are not collected.</returns>
    public HttpTimings? EndTimings()
    {
        if (Timer is not { } timer)
        {
            return null;
        }

        timer.OnEnd();
        var timings = timer.Snapshot();
        Call.OnAttemptTimings(Number, timings);
        return timings;
    }

    /// <summary>
    /// Adds the <c>Accept-Encoding</c> of the codings the library decodes (<see cref="ResponseBodyOptions.AutomaticDecompression"/>)
    /// to the request, as a decoding primary handler would.
    /// </summary>
    public void AcceptDecodedCodings() => DecodingContent.AddAcceptEncoding(_request, Call.Options.ResponseBody.AutomaticDecompression);

    /// <summary>Wraps the request content to raise <see cref="HttpEvents.HttpUploadProgress"/>, when a listener wants it.</summary>
    public void ObserveRequestContent()
    {
        var content = _request.Content;
        if (content is not null && Call.HasListeners(HttpEvents.HttpUploadProgress))
        {
            _originalContent = content;
            _request.Content = new ObservedRequestContent(content, new RequestBodyObserver(this, content.Headers.ContentLength));
        }
    }

    /// <summary>
    /// Undoes what the attempt changed for its send once the send returned or failed: the caller's own content goes back on the
    /// request (observation never changes the request), and the timer leaves the flow (an <see langword="async"/> attempt
    /// part would drop it on return; the synchronous one and a handler that runs the call too do it here).
    /// </summary>
    public void OnSendReturned()
    {
        RestoreRequestContent();
        Timer?.RestoreFlow();
    }

    /// <summary>Puts the caller's own content back on the request: observation never changes the request.</summary>
    private void RestoreRequestContent()
    {
        if (_originalContent is not null && _request.Content is ObservedRequestContent observed)
        {
            _request.Content = _originalContent;
            observed.Dispose();
        }
    }

    /// <summary>Counts request body bytes handed to the transport and raises upload progress; throws a listener's exception.</summary>
    public void OnBytesSent(long loaded, long? total)
    {
        BytesSent = loaded;
        if (Call.RaiseUploadProgress(new HttpProgress(loaded, total, Number)) is { } failure)
        {
            // The transport may wrap what the content throws: remember the listener's own exception for OnSendFailed.
            _listenerFault = failure;
            Fault.Rethrow(failure);
        }
    }

    /// <summary>
    /// Reports that the send failed: raises <see cref="HttpEvents.HttpError"/> for a transport failure, then returns for the
    /// handler's <c>throw;</c>, or throws the exception the attempt must throw instead (a listener's own exception).
    /// </summary>
    public void OnSendFailed(Exception exception)
    {
        try
        {
            var timings = EndTimings();
            var listenerFault = _listenerFault;
            Call.OnAttemptFailed(BytesSent, listenerFault ?? exception);
            Call.NotifyAttemptEnded(HttpEvents.HttpError, new AttemptEnd(Number, null, RequestBodyBytes, null, listenerFault ?? exception));
            Fault.ThrowIfAny(listenerFault);

            if (exception is not OperationCanceledException && !Call.IsAborted
                && Call.RaiseAttemptFailed(new HttpErrorEvent(exception, Call, Number, timings)) is { } failure)
            {
                Fault.Rethrow(failure);
            }
        }
        finally
        {
            Call.OnAttemptSendEnded(failed: true);
        }
    }

    /// <summary>
    /// Takes the attempt's response: observes its body, raises <see cref="HttpEvents.HttpHeaders"/>, and completes a body
    /// the response cannot have (HEAD, 1xx, 204, 304) at once. Throws a listener's exception.
    /// </summary>
    public HttpResponseMessage OnHeaders(HttpResponseMessage response)
    {
        try
        {
            return ObserveResponse(response);
        }
        finally
        {
            Call.OnAttemptSendEnded(failed: false);
        }
    }

    private HttpResponseMessage ObserveResponse(HttpResponseMessage response)
    {
        HeadersTimestamp = Stopwatch.GetTimestamp();
        HttpTimings? timings = null;
        if (Timer is { } timer)
        {
            timer.OnHeaders();
            timings = timer.Snapshot();
        }

        StatusCode = response.StatusCode;
        ResponseVersion = response.Version;
        var body = DecodingContent.TryCreate(response.Content, Call.Options.ResponseBody.AutomaticDecompression) ?? response.Content;
        var content = new ObservedResponseContent(body, Call, this, ObservedResponseContent.HasNoBody(_request, response));
        response.Content = content;
        Call.OnAttemptHeaders(new AttemptReport(response, Number, HeadersTimestamp, BytesSent, timings));

        // The event object is built only when someone would see it: nothing is allocated for it otherwise.
        var failure = Call.IsObserved(HttpEvents.HttpHeaders)
            ? Call.RaiseHeaders(new HttpHeadersEvent(response.StatusCode, response, Call, Number, timings))
            : null;
        if (failure is null && content.Observer.Total == 0)
        {
            failure = content.Observer.CompleteEmpty();
        }

        if (failure is not null)
        {
            // The send throws the listener's exception; the body is faulted by it (no httpDone) and the response released.
            content.Observer.FailByListener(failure);
            response.Dispose();
            Fault.Rethrow(failure);
        }

        return response;
    }
}
