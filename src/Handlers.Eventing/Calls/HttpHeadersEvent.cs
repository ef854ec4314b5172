using System.Net;

namespace Handlers.Eventing;

/// <summary>The argument of <see cref="HttpEvents.HttpHeaders"/>: an attempt's response headers arrived.</summary>
public sealed class HttpHeadersEvent
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="statusCode">The response status code.</param>
    /// <param name="response">The attempt's response message.</param>
    /// <param name="call">The call the attempt belongs to.</param>
    /// <param name="attempt">The attempt number, from 1.</param>
    /// <param name="timings">The attempt's timings so far, when they are collected.</param>
    /// <exception cref="ArgumentNullException"><paramref name="response"/> or <paramref name="call"/> is <see langword="null"/>.</exception>
    public HttpHeadersEvent(HttpStatusCode statusCode, HttpResponseMessage response, HttpCall call, int attempt, HttpTimings? timings = null)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(call);
        StatusCode = statusCode;
        Response = response;
        Call = call;
        Attempt = attempt;
        Timings = timings;
    }

    /// <summary>Gets the response status code.</summary>
    public HttpStatusCode StatusCode { get; }

    /// <summary>Gets the attempt's response message; its content is observed and must be read through it.</summary>
    public HttpResponseMessage Response { get; }

    /// <summary>Gets the call the attempt belongs to.</summary>
    public HttpCall Call { get; }

    /// <summary>Gets the attempt number, from 1, in the order the attempts started.</summary>
    public int Attempt { get; }

    /// <summary>Gets the attempt's timings up to the headers (<see cref="HttpTimings.Download"/> not known yet), or <see langword="null"/> when <see cref="EventingOptions.CollectTimings"/> is off.</summary>
    public HttpTimings? Timings { get; }
}
