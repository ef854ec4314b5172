using Handlers.Eventing.Internal;

namespace Handlers.Eventing;

// Raising the call's events: one at a time (CallEventGate), the library's observers first, then the listeners, every listener
// of an emit running even when one throws, and outside any attempt's timing flow (work a listener starts is not the call's). Each method returns the listener exception the operation that raised the event
// must throw, or null (isolated exceptions are reported instead).
public sealed partial class HttpCall
{
    private CallEventGate _gate;

    internal bool HasListeners(EventKey eventKey) => ListenerCount(eventKey) > 0;

    /// <summary>
    /// Gets a value indicating whether a body chunk may reach a listener (nothing else sees chunks: the library's observers do
    /// not): <see langword="false"/> when the call has no listener at all, so that the chunk path skips its events with one read.
    /// </summary>
    internal bool MayRaiseBodyChunk => MayHaveListeners;

    /// <summary>Gets a value indicating whether raising <paramref name="eventKey"/> reaches anyone: an observer of the library or a listener.</summary>
    /// <remarks>Lets a caller skip building the event's arguments when nobody would see them.</remarks>
    internal bool IsObserved(EventKey eventKey) => _observers is not null || HasListeners(eventKey);

    internal Exception? RaiseRetry(HttpRetryEvent retry) =>
        Raise(HttpEvents.Retry, retry, static (observer, args) => observer.OnRetry(args));

    internal Exception? RaiseUploadProgress(HttpProgress progress) =>
        Raise(HttpEvents.HttpUploadProgress, progress, notify: null);

    internal Exception? RaiseHeaders(HttpHeadersEvent headers) =>
        Raise(HttpEvents.HttpHeaders, headers, static (observer, args) => observer.OnHeaders(args));

    internal Exception? RaiseAttemptFailed(HttpErrorEvent error) =>
        Raise(HttpEvents.HttpError, error, static (observer, args) => observer.OnAttemptFailed(args));

    /// <summary>Raises the events of one body chunk: <see cref="HttpEvents.HttpDownloadProgress"/> (which counts it), then <see cref="HttpEvents.HttpData"/>.</summary>
    /// <param name="progress">The progress including the chunk.</param>
    /// <param name="chunk">The chunk's bytes, or empty when no listener wants them.</param>
    /// <remarks>
    /// Unlike the other raises, it does not take the attempt's timer off the flow: a body is read after the attempt part
    /// returned (which put the flow back), so no chunk is raised on it, and the chunk path stays free of the look-up. It takes
    /// the caller's <see cref="Observe"/> scopes off only while one is open in the process (otherwise one static read).
    /// </remarks>
    internal Exception? RaiseBodyChunk(in HttpProgress progress, ReadOnlyMemory<byte> chunk)
    {
        var locked = _gate.Enter();
        var flow = ObserveScope.AnyOpen ? ObserveScope.SuspendForChunk() : null;
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
            AttemptTimer.ResumeFlow(flow);
            _gate.Exit(locked);
        }
    }

    /// <summary>
    /// Raises the end of an attempt's body: a final progress event without data when given (0 of 0 for an empty body; the
    /// final wire counts of a decoded body whose decoder read a trailer after the last chunk), then <see cref="HttpEvents.HttpDone"/>.
    /// </summary>
    internal Exception? RaiseBodyDone(int attempt, HttpProgress? finalProgress)
    {
        var locked = _gate.Enter();
        var flow = AttemptTimer.SuspendFlow();
        try
        {
            if (finalProgress is { } progress && RaiseToListeners(HttpEvents.HttpDownloadProgress, progress) is { } failure)
            {
                return failure;
            }

            Notify(HttpEvents.HttpDone, (Response, Number: attempt), static (observer, args) => observer.OnBodyEnded(args.Response, args.Number));
            return RaiseToListeners(HttpEvents.HttpDone, Response);
        }
        finally
        {
            AttemptTimer.ResumeFlow(flow);
            _gate.Exit(locked);
        }
    }

    /// <summary>Tells the observers that an attempt ended (<see cref="CallObserver.OnAttemptEnded"/>), one event at a time.</summary>
    internal void NotifyAttemptEnded(EventKey eventKey, AttemptEnd end)
    {
        if (_observers is null)
        {
            return;
        }

        var locked = _gate.Enter();
        try
        {
            Notify(eventKey, end, static (observer, args) => observer.OnAttemptEnded(args));
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

    private void NotifyCallEnded() =>
        Notify(HttpEvents.Complete, Response, static (observer, response) => observer.OnCallEnded(response));

    /// <summary>Raises one event: the observers (through <paramref name="notify"/>), then the listeners, under the gate.</summary>
    private Exception? Raise<TArgs>(EventKey<TArgs> eventKey, TArgs args, Action<CallObserver, TArgs>? notify)
    {
        var locked = _gate.Enter();
        var flow = AttemptTimer.SuspendFlow();
        try
        {
            if (notify is not null)
            {
                Notify(eventKey, args, notify);
            }

            return RaiseToListeners(eventKey, args);
        }
        finally
        {
            AttemptTimer.ResumeFlow(flow);
            _gate.Exit(locked);
        }
    }

    /// <summary>Tells every observer; an observer that throws is reported like an isolated listener and never fails the call.</summary>
    private void Notify<TArgs>(EventKey eventKey, TArgs args, Action<CallObserver, TArgs> notify)
    {
        if (_observers is not { } observers)
        {
            return;
        }

        foreach (var observer in observers)
        {
            try
            {
                notify(observer, args);
            }
            catch (Exception ex)
            {
                Report(eventKey, ex);
            }
        }
    }

    private Exception? RaiseToListeners<TArgs>(EventKey<TArgs> eventKey, in TArgs args)
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
