namespace Handlers.Eventing;

/// <summary>
/// The keys of the events an <see cref="HttpCall"/> raises, named after the AWS SDK for JavaScript v2 request events.
/// </summary>
/// <remarks>
/// Per attempt, in order: <see cref="HttpUploadProgress"/>*, <see cref="HttpHeaders"/>, then per chunk
/// <see cref="HttpDownloadProgress"/> and <see cref="HttpData"/>, then <see cref="HttpDone"/> (or <see cref="HttpError"/> on a
/// transport failure). Per call, once: <see cref="Success"/> or <see cref="Error"/>, then <see cref="Complete"/>.
/// <see cref="Retry"/> is raised before every attempt after the first. See docs/events.md for the full reference.
/// </remarks>
public static class HttpEvents
{
    /// <summary>Gets the key of the event raised when the response headers of an attempt arrive.</summary>
    public static EventKey<HttpHeadersEvent> HttpHeaders { get; } = new("httpHeaders");

    /// <summary>Gets the key of the event raised for each chunk of the response body, as the reader pulls it through.</summary>
    /// <remarks>The chunk is valid only inside the listener: copy it to keep it.</remarks>
    public static EventKey<HttpDataEvent> HttpData { get; } = new("httpData");

    /// <summary>Gets the key of the event raised as request body bytes are handed to the transport.</summary>
    public static EventKey<HttpProgress> HttpUploadProgress { get; } = new("httpUploadProgress");

    /// <summary>Gets the key of the event raised as response body bytes arrive, just before the matching <see cref="HttpData"/>.</summary>
    public static EventKey<HttpProgress> HttpDownloadProgress { get; } = new("httpDownloadProgress");

    /// <summary>Gets the key of the event raised when an attempt fails in the transport (connect, reset, truncated body, protocol error).</summary>
    /// <remarks>Cancellation, timeouts, <see cref="HttpCall.Abort"/>, disposal and listener exceptions are not transport failures and do not raise it.</remarks>
    public static EventKey<HttpErrorEvent> HttpError { get; } = new("httpError");

    /// <summary>Gets the key of the event raised when the response body of an attempt was received to its end.</summary>
    public static EventKey<HttpCallResponse> HttpDone { get; } = new("httpDone");

    /// <summary>Gets the key of the event raised before each attempt after the first, with the previous attempt's outcome.</summary>
    public static EventKey<HttpRetryEvent> Retry { get; } = new("retry");

    /// <summary>Gets the key of the event raised once when the call succeeded: a success status and the whole body received.</summary>
    public static EventKey<HttpCallResponse> Success { get; } = new("success");

    /// <summary>Gets the key of the event raised once when the call failed: error status, transport failure, cancellation, abort, disposal or listener exception.</summary>
    /// <remarks>This is not <see cref="EventEmitter.ErrorEvent"/>: raising it with no listener does not throw.</remarks>
    public static EventKey<HttpCallResponse> Error { get; } = new("error");

    /// <summary>Gets the key of the event raised once, last, after <see cref="Success"/> or <see cref="Error"/>.</summary>
    public static EventKey<HttpCallResponse> Complete { get; } = new("complete");

    /// <summary>Tells whether <paramref name="key"/> is one of the keys above, which only the library raises on a call.</summary>
    internal static bool IsCallEvent(EventKey key) =>
        ReferenceEquals(key, HttpHeaders) || ReferenceEquals(key, HttpData) || ReferenceEquals(key, HttpUploadProgress)
        || ReferenceEquals(key, HttpDownloadProgress) || ReferenceEquals(key, HttpError) || ReferenceEquals(key, HttpDone)
        || ReferenceEquals(key, Retry) || ReferenceEquals(key, Success) || ReferenceEquals(key, Error) || ReferenceEquals(key, Complete);
}
