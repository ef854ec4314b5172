namespace Handlers.Eventing;

/// <summary>The argument of <see cref="HttpEvents.HttpError"/>: an attempt failed in the transport.</summary>
public sealed class HttpErrorEvent
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="exception">The transport's exception, as the caller sees it.</param>
    /// <param name="call">The call.</param>
    /// <param name="attempt">The attempt number, from 1.</param>
    /// <param name="timings">The attempt's timings up to the failure, when they are collected.</param>
    /// <exception cref="ArgumentNullException"><paramref name="exception"/> or <paramref name="call"/> is <see langword="null"/>.</exception>
    public HttpErrorEvent(Exception exception, HttpCall call, int attempt, HttpTimings? timings = null)
    {
        ArgumentNullException.ThrowIfNull(exception);
        ArgumentNullException.ThrowIfNull(call);
        Exception = exception;
        Call = call;
        Attempt = attempt;
        Timings = timings;
    }

    /// <summary>Gets the transport's exception, as the caller sees it.</summary>
    public Exception Exception { get; }

    /// <summary>Gets the call.</summary>
    public HttpCall Call { get; }

    /// <summary>Gets the attempt number, from 1.</summary>
    public int Attempt { get; }

    /// <summary>Gets the attempt's timings up to the failure (for a refused connection, the connect phase), or <see langword="null"/> when <see cref="EventingOptions.CollectTimings"/> is off.</summary>
    public HttpTimings? Timings { get; }
}
