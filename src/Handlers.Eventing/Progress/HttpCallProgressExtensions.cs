using Handlers.Eventing.Internal;

namespace Handlers.Eventing;

/// <summary>Reports the progress of an <see cref="HttpCall"/> to an <see cref="IProgress{T}"/>, throttled for user interfaces.</summary>
public static class HttpCallProgressExtensions
{
    /// <summary>
    /// Reports the response body's progress (<see cref="HttpEvents.HttpDownloadProgress"/>) to <paramref name="progress"/>,
    /// throttled, with the transfer rate and the estimated time remaining.
    /// </summary>
    /// <param name="call">The call; add this before it is sent to see every attempt.</param>
    /// <param name="progress">Receives the reports, on the thread that reads the body (<see cref="Progress{T}"/> posts them to its context).</param>
    /// <param name="throttle">
    /// Limits the reports; <see langword="null"/> uses the client's <see cref="EventingOptions.ProgressThrottle"/>, or reports
    /// every event when that is not set either.
    /// </param>
    /// <returns>The call, for chaining.</returns>
    /// <remarks>
    /// The first report of each attempt and the final one are always made: when the last event was held back by the throttle,
    /// it is reported when the body ends (<see cref="HttpEvents.HttpDone"/>) or, at the latest, when the call completes. A
    /// retry starts over with the new attempt's first report. An exception thrown by <paramref name="progress"/> is a listener
    /// exception (it fails the call unless <see cref="EventingOptions.IsolateListenerExceptions"/> is set).
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="call"/> or <paramref name="progress"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="throttle"/> has a negative value or no time provider.</exception>
    public static HttpCall ReportDownloadProgress(this HttpCall call, IProgress<TransferProgress> progress, ProgressThrottle? throttle = null)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(progress);
        ThrowIfInvalid(throttle);
        var reporter = new ProgressReporter(call, progress, throttle);
        call.On(HttpEvents.HttpDownloadProgress, reporter.OnProgress);
        call.On(HttpEvents.HttpDone, reporter.OnDownloadDone);
        call.On(HttpEvents.Complete, reporter.OnComplete);
        return call;
    }

    /// <summary>
    /// Reports the request body's progress (<see cref="HttpEvents.HttpUploadProgress"/>) to <paramref name="progress"/>,
    /// throttled, with the transfer rate and the estimated time remaining.
    /// </summary>
    /// <param name="call">The call; add this before it is sent.</param>
    /// <param name="progress">Receives the reports, on the thread that writes the body (<see cref="Progress{T}"/> posts them to its context).</param>
    /// <param name="throttle">
    /// Limits the reports; <see langword="null"/> uses the client's <see cref="EventingOptions.ProgressThrottle"/>, or reports
    /// every event when that is not set either.
    /// </param>
    /// <returns>The call, for chaining.</returns>
    /// <remarks>
    /// The first report of each attempt and the final one are always made: when the last event was held back by the throttle,
    /// it is reported when the response headers of that attempt arrive or, at the latest, when the call completes.
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="call"/> or <paramref name="progress"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="throttle"/> has a negative value or no time provider.</exception>
    public static HttpCall ReportUploadProgress(this HttpCall call, IProgress<TransferProgress> progress, ProgressThrottle? throttle = null)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(progress);
        ThrowIfInvalid(throttle);
        var reporter = new ProgressReporter(call, progress, throttle);
        call.On(HttpEvents.HttpUploadProgress, reporter.OnProgress);
        call.On(HttpEvents.HttpHeaders, reporter.OnUploadDone);
        call.On(HttpEvents.Complete, reporter.OnComplete);
        return call;
    }

    private static void ThrowIfInvalid(ProgressThrottle? throttle)
    {
        if (throttle?.Validate(nameof(throttle)) is { } error)
        {
            throw new ArgumentException(error, nameof(throttle));
        }
    }
}
