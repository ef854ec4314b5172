using Handlers.Eventing.Internal;

namespace Handlers.Eventing;

/// <summary>Reports the progress of an <see cref="HttpCall"/> to a progress bar: throttled, with the rate and the time left.</summary>
/// <remarks>
/// <para>
/// Without a throttle argument, reports are limited by the client's <see cref="EventingOptions.ProgressThrottle"/> or else by
/// <see cref="ProgressThrottle.Default"/> (at most one every 100 ms); the first report of each attempt and the final one are
/// always made. Pass <see cref="ProgressThrottle.None"/> to receive every event.
/// </para>
/// <para>
/// <b>Which thread, which order.</b> Reports are made on the thread that reads (download) or writes (upload) the body, one at
/// a time and in order. The <see cref="Action{T}"/> overloads call the callback right there, so it sees them in that order.
/// <see cref="Progress{T}"/> does not: it posts every report to the <see cref="SynchronizationContext"/> it was created on,
/// which in a UI app is the UI thread (in order), but in a console app, a service or a test there is none, and it queues
/// each report to the thread pool, where two reports can run at the same time and finish out of order. Outside a UI,
/// prefer the <see cref="Action{T}"/> overloads (or any <see cref="IProgress{T}"/> that handles the report synchronously).
/// </para>
/// </remarks>
public static class HttpCallProgressExtensions
{
    // RS0026 (one optional parameter on more than one overload) guards against calls that become ambiguous when an overload
    // gains an optional parameter later. Here each pair differs by the type of its second, required parameter (an
    // IProgress<T> or an Action<T>, which a lambda or method group converts to only one of), so no call is ambiguous.
#pragma warning disable RS0026
    /// <summary>
    /// Reports the response body's progress (<see cref="HttpEvents.HttpDownloadProgress"/>) to <paramref name="progress"/>,
    /// throttled, with the transfer rate and the estimated time remaining.
    /// </summary>
    /// <param name="call">The call; add this before it is sent to see every attempt.</param>
    /// <param name="progress">
    /// Receives the reports, on the thread that reads the body. A <see cref="Progress{T}"/> posts them to its context, or to
    /// the thread pool when it has none, where they may run concurrently and out of order (see the remarks of the class).
    /// </param>
    /// <param name="throttle">
    /// Limits the reports; <see langword="null"/> uses the client's <see cref="EventingOptions.ProgressThrottle"/>, or
    /// <see cref="ProgressThrottle.Default"/> when that is not set either. <see cref="ProgressThrottle.None"/> reports every event.
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
        return AttachDownload(call, progress, throttle);
    }

    /// <summary>
    /// Reports the response body's progress (<see cref="HttpEvents.HttpDownloadProgress"/>) to <paramref name="onProgress"/>,
    /// inline and in order, throttled, with the transfer rate and the estimated time remaining.
    /// </summary>
    /// <param name="call">The call; add this before it is sent to see every attempt.</param>
    /// <param name="onProgress">
    /// Called with each report on the thread that reads the body, before the read returns: one at a time, in order. Keep it
    /// short; it delays the read. To update a UI from another thread, marshal inside it.
    /// </param>
    /// <param name="throttle">
    /// Limits the reports; <see langword="null"/> uses the client's <see cref="EventingOptions.ProgressThrottle"/>, or
    /// <see cref="ProgressThrottle.Default"/> when that is not set either. <see cref="ProgressThrottle.None"/> reports every event.
    /// </param>
    /// <returns>The call, for chaining.</returns>
    /// <remarks>
    /// Reports are made as <see cref="ReportDownloadProgress(HttpCall, IProgress{TransferProgress}, ProgressThrottle?)"/> makes
    /// them. An exception thrown by <paramref name="onProgress"/> is a listener exception.
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="call"/> or <paramref name="onProgress"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="throttle"/> has a negative value or no time provider.</exception>
    public static HttpCall ReportDownloadProgress(this HttpCall call, Action<TransferProgress> onProgress, ProgressThrottle? throttle = null)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(onProgress);
        return AttachDownload(call, new ProgressCallback(onProgress), throttle);
    }

    /// <summary>
    /// Reports the request body's progress (<see cref="HttpEvents.HttpUploadProgress"/>) to <paramref name="progress"/>,
    /// throttled, with the transfer rate and the estimated time remaining.
    /// </summary>
    /// <param name="call">The call; add this before it is sent.</param>
    /// <param name="progress">
    /// Receives the reports, on the thread that writes the body. A <see cref="Progress{T}"/> posts them to its context, or to
    /// the thread pool when it has none, where they may run concurrently and out of order (see the remarks of the class).
    /// </param>
    /// <param name="throttle">
    /// Limits the reports; <see langword="null"/> uses the client's <see cref="EventingOptions.ProgressThrottle"/>, or
    /// <see cref="ProgressThrottle.Default"/> when that is not set either. <see cref="ProgressThrottle.None"/> reports every event.
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
        return AttachUpload(call, progress, throttle);
    }

    /// <summary>
    /// Reports the request body's progress (<see cref="HttpEvents.HttpUploadProgress"/>) to <paramref name="onProgress"/>,
    /// inline and in order, throttled, with the transfer rate and the estimated time remaining.
    /// </summary>
    /// <param name="call">The call; add this before it is sent.</param>
    /// <param name="onProgress">
    /// Called with each report on the thread that writes the body, before the write returns: one at a time, in order. Keep it
    /// short; it delays the upload.
    /// </param>
    /// <param name="throttle">
    /// Limits the reports; <see langword="null"/> uses the client's <see cref="EventingOptions.ProgressThrottle"/>, or
    /// <see cref="ProgressThrottle.Default"/> when that is not set either. <see cref="ProgressThrottle.None"/> reports every event.
    /// </param>
    /// <returns>The call, for chaining.</returns>
    /// <remarks>
    /// Reports are made as <see cref="ReportUploadProgress(HttpCall, IProgress{TransferProgress}, ProgressThrottle?)"/> makes
    /// them. An exception thrown by <paramref name="onProgress"/> is a listener exception.
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="call"/> or <paramref name="onProgress"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="throttle"/> has a negative value or no time provider.</exception>
    public static HttpCall ReportUploadProgress(this HttpCall call, Action<TransferProgress> onProgress, ProgressThrottle? throttle = null)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(onProgress);
        return AttachUpload(call, new ProgressCallback(onProgress), throttle);
    }

#pragma warning restore RS0026

    private static HttpCall AttachDownload(HttpCall call, IProgress<TransferProgress> progress, ProgressThrottle? throttle)
    {
        ThrowIfInvalid(throttle);
        var reporter = new ProgressReporter(call, progress, throttle);
        call.On(HttpEvents.HttpDownloadProgress, reporter.OnProgress);
        call.On(HttpEvents.HttpDone, reporter.OnDownloadDone);
        call.On(HttpEvents.Complete, reporter.OnComplete);
        return call;
    }

    private static HttpCall AttachUpload(HttpCall call, IProgress<TransferProgress> progress, ProgressThrottle? throttle)
    {
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
