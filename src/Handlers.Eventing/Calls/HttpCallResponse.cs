using System.Diagnostics;
using System.Net;

namespace Handlers.Eventing;

/// <summary>
/// The outcome of an <see cref="HttpCall"/>, modelled on the AWS SDK v2 <c>AWS.Response</c>: filled in as the call runs,
/// final once <see cref="HttpEvents.Complete"/> has been raised.
/// </summary>
/// <remarks>
/// One instance per call: <see cref="HttpCall.Response"/>, the result of <see cref="HttpCall.SendAsync"/>,
/// <see cref="HttpCall.Completion"/> and the argument of <see cref="HttpEvents.HttpDone"/>, <see cref="HttpEvents.Success"/>,
/// <see cref="HttpEvents.Error"/> and <see cref="HttpEvents.Complete"/> are the same object.
/// </remarks>
public sealed class HttpCallResponse
{
    private long _startTimestamp;
    private long _headersTimestamp;
    private long _endTimestamp;

    internal HttpCallResponse(HttpCall call) => Call = call;

    /// <summary>Gets the call this response belongs to.</summary>
    public HttpCall Call { get; }

    /// <summary>
    /// Gets the response message the call returned; until one is returned (inside the per-attempt events), that of the latest
    /// attempt whose headers arrived. <see langword="null"/> when no response arrived.
    /// </summary>
    public HttpResponseMessage? HttpResponse { get; internal set; }

    /// <summary>Gets the status code of <see cref="HttpResponse"/>, if a response arrived.</summary>
    public HttpStatusCode? StatusCode { get; internal set; }

    /// <summary>
    /// Gets why the call ended in error: an <see cref="HttpRequestException"/> with the status for a non-success status, the
    /// transport's exception, an <see cref="OperationCanceledException"/> for cancellation, timeout and abort, an
    /// <see cref="HttpCallAbandonedException"/> when the body was disposed unread, or a listener's exception.
    /// </summary>
    /// <value><see langword="null"/> while the call runs and after a success.</value>
    public Exception? Error { get; internal set; }

    /// <summary>Gets the number of attempts after the first (retries, hedges): the call made <c>RetryCount + 1</c> attempts, or none when <see cref="Attempt"/> is 0 and no attempt event was raised.</summary>
    public int RetryCount { get; internal set; }

    /// <summary>
    /// Gets the number of the attempt whose response the call returned (with hedging, the winner; with retries, the last),
    /// from 1; until one is returned (inside the per-attempt events), the latest attempt whose headers arrived; 0 when no
    /// response arrived.
    /// </summary>
    public int Attempt { get; internal set; }

    /// <summary>
    /// Gets the timings of the attempt whose response the call returned (or of the last attempt, when none arrived), or
    /// <see langword="null"/> when <see cref="EventingOptions.CollectTimings"/> is off.
    /// </summary>
    public HttpTimings? Timings { get; internal set; }

    /// <summary>
    /// Gets the request body bytes the attempt of <see cref="Attempt"/> handed to the transport: counted while upload progress
    /// is listened to; otherwise, once a response arrived, the request content's length (a transport sends the whole body
    /// before a response is returned). Lifecycle logs and the span's <c>http.request.body.size</c> report this same value.
    /// </summary>
    /// <value>0 for a request without a body, and when the size is not known (not counted, and no response or no length).</value>
    public long BytesSent => RequestBodyBytes ?? 0;

    /// <summary>Gets or sets the request body bytes counted by upload progress (0 when not counted).</summary>
    internal long CountedBytesSent { get; set; }

    /// <summary>
    /// Gets the request body size as <see cref="BytesSent"/> defines it, or <see langword="null"/> when it is not known:
    /// telemetry records nothing then, where <see cref="BytesSent"/> says 0.
    /// </summary>
    internal long? RequestBodyBytes =>
        CountedBytesSent > 0 ? CountedBytesSent
        : Call.Request.Content is not { } content ? 0
        : StatusCode is not null ? content.Headers.ContentLength
        : null;

    /// <summary>Gets the response body bytes read in the last attempt.</summary>
    public long BytesReceived { get; internal set; }

    /// <summary>
    /// Gets the encoded bytes of the returned attempt's body when the library decoded it
    /// (<see cref="ResponseBodyOptions.AutomaticDecompression"/>), or <see langword="null"/>: then <see cref="BytesReceived"/>
    /// counts the bytes on the wire too, unless <see cref="DecodedByPrimaryHandler"/>.
    /// </summary>
    internal long? EncodedBytesReceived { get; private set; }

    /// <summary>Gets a value indicating whether a primary handler decoded the returned attempt's body (its encoded size is unknown).</summary>
    internal bool DecodedByPrimaryHandler { get; private set; }

    internal void SetWire(long? encodedBytes, bool decodedByPrimaryHandler)
    {
        EncodedBytesReceived = encodedBytes;
        DecodedByPrimaryHandler = decodedByPrimaryHandler;
    }

    /// <summary>Gets the time from the start of the call to the last attempt's response headers, if they arrived.</summary>
    public TimeSpan? TimeToHeaders => _headersTimestamp == 0 ? null : Stopwatch.GetElapsedTime(_startTimestamp, _headersTimestamp);

    /// <summary>Gets the time from the start of the call to its end (the end of the body, or the failure), once ended.</summary>
    public TimeSpan? Duration => _endTimestamp == 0 ? null : Stopwatch.GetElapsedTime(_startTimestamp, _endTimestamp);

    /// <summary>Gets a value indicating whether the call ended in success (false while it runs).</summary>
    public bool IsSuccess => _endTimestamp != 0 && Error is null;

    internal void MarkStarted() => _startTimestamp = Stopwatch.GetTimestamp();

    internal void SetHeaders(long timestamp) => _headersTimestamp = timestamp;

    internal void MarkEnded() => _endTimestamp = Stopwatch.GetTimestamp();

    /// <summary>Returns a short description: status, outcome and error.</summary>
    /// <returns>A description for logs and the debugger.</returns>
    public override string ToString() =>
        $"{(StatusCode is { } status ? ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture) : "no response")}, " +
        $"{(_endTimestamp == 0 ? "running" : Error is null ? "success" : "error: " + Error.Message)}";
}
