namespace Handlers.Eventing.Internal;

/// <summary>
/// Turns one direction of a call's progress events into throttled <see cref="TransferProgress"/> reports: the first event
/// of each attempt, the final one, and in between those the throttle lets through.
/// </summary>
/// <remarks>
/// Reports follow the latest attempt: events of an earlier attempt that is still running (a hedged upload) are dropped.
/// Events of one call arrive one at a time; <see cref="OnComplete"/> may come from another thread (an abort), so the state
/// is guarded by a lock and the report is made outside it. Nothing is allocated per event.
/// </remarks>
internal sealed class ProgressReporter
{
    private readonly HttpCall _call;
    private readonly IProgress<TransferProgress> _progress;
    private readonly Lock _gate = new();
    private bool _resolved;
    private TimeSpan _minimumInterval;
    private long _minimumBytes;
    private TimeProvider _timeProvider = TimeProvider.System;

    private int _attempt;
    private long _firstTimestamp;
    private long _firstLoaded;
    private long _lastTimestamp;
    private long _lastLoaded;
    private bool _hasPending;
    private HttpProgress _pending;
    private long _pendingTimestamp;

    /// <param name="call">The call whose events are reported.</param>
    /// <param name="progress">The receiver of the reports.</param>
    /// <param name="throttle">
    /// The throttle, or <see langword="null"/> to use the client's <see cref="EventingOptions.ProgressThrottle"/> when the
    /// first event arrives (the call knows its client's options only once it started), else <see cref="ProgressThrottle.Default"/>.
    /// </param>
    public ProgressReporter(HttpCall call, IProgress<TransferProgress> progress, ProgressThrottle? throttle)
    {
        _call = call;
        _progress = progress;
        if (throttle is not null)
        {
            Resolve(throttle);
        }
    }

    public void OnProgress(HttpProgress progress)
    {
        TransferProgress report;
        lock (_gate)
        {
            if (!_resolved)
            {
                Resolve(_call.ProgressThrottle ?? ProgressThrottle.Default);
            }

            if (progress.Attempt < _attempt)
            {
                // An earlier attempt still sending while a later one runs (hedging): the reports follow the latest attempt,
                // so that two bodies in flight do not make the bar jump back and forth.
                return;
            }

            var now = _timeProvider.GetTimestamp();
            if (progress.Attempt != _attempt)
            {
                // The first event of an attempt is always reported; a retry starts the rate over.
                _attempt = progress.Attempt;
                _firstTimestamp = now;
                _firstLoaded = Measured(progress).Loaded;
            }
            else if (!IsFinal(progress) && !IsDue(progress, now))
            {
                _pending = progress;
                _pendingTimestamp = now;
                _hasPending = true;
                return;
            }

            report = Take(progress, now);
        }

        _progress.Report(report);
    }

    public void OnDownloadDone(HttpCallResponse response) => Flush(attempt: 0);

    public void OnUploadDone(HttpHeadersEvent headers) => Flush(headers.Attempt);

    public void OnComplete(HttpCallResponse response) => Flush(attempt: 0);

    private void Flush(int attempt)
    {
        TransferProgress report;
        lock (_gate)
        {
            if (!_hasPending || (attempt != 0 && _pending.Attempt != attempt))
            {
                return;
            }

            report = Take(_pending, _pendingTimestamp);
        }

        _progress.Report(report);
    }

    private TransferProgress Take(HttpProgress progress, long timestamp)
    {
        _hasPending = false;
        _lastTimestamp = timestamp;
        _lastLoaded = progress.Loaded;

        // The rate and the time left measure the pair the fraction reads: the wire bytes of a decoded body of unknown length.
        var (loaded, total) = Measured(progress);
        double? rate = null;
        var elapsed = _timeProvider.GetElapsedTime(_firstTimestamp, timestamp);
        if (elapsed > TimeSpan.Zero)
        {
            rate = (loaded - _firstLoaded) / elapsed.TotalSeconds;
        }

        TimeSpan? remaining = null;
        if (total is { } known)
        {
            if (loaded >= known)
            {
                remaining = TimeSpan.Zero;
            }
            else if (rate > 0)
            {
                remaining = TimeSpan.FromSeconds((known - loaded) / rate.Value);
            }
        }

        return new TransferProgress(
            progress.Loaded, progress.Total, progress.Attempt, progress.WireLoaded, progress.WireTotal, rate, remaining);
    }

    private static (long Loaded, long? Total) Measured(HttpProgress progress) =>
        ProgressMath.Measured(progress.Loaded, progress.Total, progress.WireLoaded, progress.WireTotal);

    private bool IsDue(HttpProgress progress, long now) =>
        (_minimumInterval <= TimeSpan.Zero || _timeProvider.GetElapsedTime(_lastTimestamp, now) >= _minimumInterval)
        && (_minimumBytes <= 0 || progress.Loaded - _lastLoaded >= _minimumBytes);

    private static bool IsFinal(HttpProgress progress) => progress.Total is { } total && progress.Loaded >= total;

    private void Resolve(ProgressThrottle throttle)
    {
        _resolved = true;
        _minimumInterval = throttle.MinimumInterval;
        _minimumBytes = throttle.MinimumBytes;
        _timeProvider = throttle.TimeProvider ?? TimeProvider.System;
    }
}
