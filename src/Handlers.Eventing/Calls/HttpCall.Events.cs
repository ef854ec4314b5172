using Handlers.Eventing.Internal;

namespace Handlers.Eventing;

// Raising the call's events: one at a time (CallEventGate), the library's observers first, then the listeners, every listener
// of an emit running even when one throws. Each method returns the listener exception the operation that raised the event
// must throw, or null (isolated exceptions are reported instead).
public sealed partial class HttpCall
{
    private CallEventGate _gate;

    internal bool HasListeners(EventKey eventKey) => ListenerCount(eventKey) > 0;

    internal Exception? RaiseRetry(HttpRetryEvent retry)
    {
        var locked = _gate.Enter();
        try
        {
            if (_observers is { } observers)
            {
                foreach (var observer in observers)
                {
                    try
                    {
                        observer.OnRetry(retry);
                    }
                    catch (Exception ex)
                    {
                        Report(HttpEvents.Retry, ex);
                    }
                }
            }

            return RaiseToListeners(HttpEvents.Retry, retry);
        }
        finally
        {
            _gate.Exit(locked);
        }
    }

    internal Exception? RaiseUploadProgress(HttpProgress progress)
    {
        var locked = _gate.Enter();
        try
        {
            return RaiseToListeners(HttpEvents.HttpUploadProgress, progress);
        }
        finally
        {
            _gate.Exit(locked);
        }
    }

    internal Exception? RaiseHeaders(HttpHeadersEvent headers)
    {
        var locked = _gate.Enter();
        try
        {
            if (_observers is { } observers)
            {
                foreach (var observer in observers)
                {
                    try
                    {
                        observer.OnHeaders(headers);
                    }
                    catch (Exception ex)
                    {
                        Report(HttpEvents.HttpHeaders, ex);
                    }
                }
            }

            return RaiseToListeners(HttpEvents.HttpHeaders, headers);
        }
        finally
        {
            _gate.Exit(locked);
        }
    }

    internal Exception? RaiseAttemptFailed(HttpErrorEvent error)
    {
        var locked = _gate.Enter();
        try
        {
            if (_observers is { } observers)
            {
                foreach (var observer in observers)
                {
                    try
                    {
                        observer.OnAttemptFailed(error);
                    }
                    catch (Exception ex)
                    {
                        Report(HttpEvents.HttpError, ex);
                    }
                }
            }

            return RaiseToListeners(HttpEvents.HttpError, error);
        }
        finally
        {
            _gate.Exit(locked);
        }
    }

    /// <summary>Raises the events of one body chunk: <see cref="HttpEvents.HttpDownloadProgress"/> (which counts it), then <see cref="HttpEvents.HttpData"/>.</summary>
    /// <param name="progress">The progress including the chunk.</param>
    /// <param name="chunk">The chunk's bytes, or empty when no listener wants them.</param>
    internal Exception? RaiseBodyChunk(HttpProgress progress, ReadOnlyMemory<byte> chunk)
    {
        var locked = _gate.Enter();
        try
        {
            var failure = RaiseToListeners(HttpEvents.HttpDownloadProgress, progress);
            if (!chunk.IsEmpty && RaiseToListeners(HttpEvents.HttpData, new HttpDataEvent(chunk, this, progress.Attempt)) is { } dataFailure)
            {
                if (failure is null)
                {
                    failure = dataFailure;
                }
                else
                {
                    Report(HttpEvents.HttpData, dataFailure);
                }
            }

            return failure;
        }
        finally
        {
            _gate.Exit(locked);
        }
    }

    /// <summary>Raises the end of an attempt's body: the progress of an empty body (0 of 0) when given, then <see cref="HttpEvents.HttpDone"/>.</summary>
    internal Exception? RaiseBodyDone(CallAttempt attempt, HttpProgress? emptyProgress)
    {
        var locked = _gate.Enter();
        try
        {
            if (emptyProgress is { } progress && RaiseToListeners(HttpEvents.HttpDownloadProgress, progress) is { } failure)
            {
                return failure;
            }

            if (_observers is { } observers)
            {
                foreach (var observer in observers)
                {
                    try
                    {
                        observer.OnBodyEnded(Response);
                    }
                    catch (Exception ex)
                    {
                        Report(HttpEvents.HttpDone, ex);
                    }
                }
            }

            return RaiseToListeners(HttpEvents.HttpDone, Response);
        }
        finally
        {
            _gate.Exit(locked);
        }
    }

    /// <summary>Reports a listener exception that is not thrown because another one already is.</summary>
    internal void ReportSuppressed(EventKey key, Exception exception) => Report(key, exception);

    /// <inheritdoc/>
    private protected override void OnSuppressedListenerException(EventKey key, Exception exception) => Report(key, exception);

    private void NotifyCallEnded()
    {
        if (_observers is { } observers)
        {
            foreach (var observer in observers)
            {
                try
                {
                    observer.OnCallEnded(Response);
                }
                catch (Exception ex)
                {
                    Report(HttpEvents.Complete, ex);
                }
            }
        }
    }

    private Exception? RaiseToListeners<TArgs>(EventKey<TArgs> eventKey, TArgs args)
    {
        Exception? first = null;
        EmitAll(eventKey, args, ref first);
        return Isolate(eventKey, first);
    }

    private Exception? Isolate(EventKey key, Exception? exception)
    {
        if (exception is null || !_options.IsolateListenerExceptions)
        {
            return exception;
        }

        Report(key, exception);
        return null;
    }

    private void Report(EventKey key, Exception exception)
    {
        if (_observers is { } observers)
        {
            foreach (var observer in observers)
            {
                try
                {
                    observer.OnListenerException(this, key, exception);
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    // An observer must not break the call it observes.
                }
            }
        }

        try
        {
            _options.ListenerExceptionHandler?.Invoke(this, key, exception);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A reporting callback must not break the call it reports on.
        }
    }
}
