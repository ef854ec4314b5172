using System.Net;

namespace Handlers.Eventing;

/// <summary>The argument of <see cref="HttpEvents.Retry"/>: an attempt after the first was decided.</summary>
public sealed class HttpRetryEvent
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="call">The call.</param>
    /// <param name="attempt">The number of the attempt that is starting (2 or more).</param>
    /// <param name="kind">Whether the attempt retries an ended one or hedges running ones.</param>
    /// <param name="delay">The delay before the attempt starts, when the retry strategy told it; otherwise <see langword="null"/>.</param>
    /// <param name="previousError">The exception that ended the previous attempt, for <see cref="HttpAttemptKind.Retry"/>.</param>
    /// <param name="previousStatusCode">The status of the previous attempt's response, for <see cref="HttpAttemptKind.Retry"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="call"/> is <see langword="null"/>.</exception>
    public HttpRetryEvent(HttpCall call, int attempt, HttpAttemptKind kind, TimeSpan? delay, Exception? previousError, HttpStatusCode? previousStatusCode)
    {
        ArgumentNullException.ThrowIfNull(call);
        Call = call;
        Attempt = attempt;
        Kind = kind;
        Delay = delay;
        PreviousError = previousError;
        PreviousStatusCode = previousStatusCode;
    }

    /// <summary>Gets the call.</summary>
    public HttpCall Call { get; }

    /// <summary>Gets the number of the attempt that is starting (2 or more).</summary>
    public int Attempt { get; }

    /// <summary>Gets whether the attempt retries an ended one or hedges running ones.</summary>
    public HttpAttemptKind Kind { get; }

    /// <summary>
    /// Gets the delay before the attempt starts: set when a Polly retry or hedging strategy decided the attempt (the event is
    /// then raised before the delay), <see langword="null"/> when the attempt was seen only as it started.
    /// </summary>
    public TimeSpan? Delay { get; }

    /// <summary>Gets the exception that ended the previous attempt, or <see langword="null"/> if it got a response or for a hedge.</summary>
    public Exception? PreviousError { get; }

    /// <summary>Gets the status of the previous attempt's response, or <see langword="null"/> if it threw or for a hedge.</summary>
    public HttpStatusCode? PreviousStatusCode { get; }
}
