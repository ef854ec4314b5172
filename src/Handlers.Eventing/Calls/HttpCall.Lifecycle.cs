using Handlers.Eventing.Internal;

namespace Handlers.Eventing;

// The call's state machine: the one place that decides that a call ends.
//
//   Created ──TryStart──▶ Running ──(OnResponse records the returned body; it closed)──▶ Ended ──▶ Finished ──▶ Completed
//      │                     │                                                             ▲
//      │                     └──OnSendFailed (transport, cancellation, timeout, abort)────┤
//      └──Abort, or call.SendAsync failing before the handler (EndNotSent)─────────────────┘
//
// The phase is the one published state: "started" is Phase != Created, the terminal event follows from Ended and
// Response.Error. The end is claimed under the call's lock (ClaimEnd) — from Created in the same lock section that saw it,
// so that no handler starts the call meanwhile — then raised (RaiseEnd). Ended raises success or error; Finished sets
// IsFinished and raises complete; Completed completes Completion. Attempts run inside
// Running, one after another or overlapping (hedging). Observers only report: an attempt's start (BeginAttempt), its
// headers or failure (OnAttemptHeaders, OnAttemptFailed), and how each response body closed (OnBodyClosed). The call ends
// when the body of the response it returned closed, or when the send failed; End runs once.
public sealed partial class HttpCall
{
    private static readonly EventingOptions s_defaultOptions = new();

    private int _phase;
    private EventingOptions _options = s_defaultOptions;
    private CallObserver[]? _observers;
    private CancellationTokenSource? _sendCancellation;
    private CancellationToken _sendToken;
    private OperationCanceledException? _abortException;
    private ResponseBodyObserver? _returned;
    private int _returnedAttempt; // the number of the attempt whose response was returned, 0 before (or when no attempt observed it)
    private Exception? _statusError;

    /// <summary>Gets the options of the handler that runs the call (the defaults until it starts).</summary>
    internal EventingOptions Options => _options;

    /// <summary>Returns <paramref name="uri"/> as the call's logs and traces write it (<see cref="EventingOptions.RedactUri"/>).</summary>
    internal string RedactUri(Uri? uri) => UriRedactor.Redact(uri, _options.RedactUri);

    /// <summary>Gets the throttle the client's options give progress helpers, or <see langword="null"/>.</summary>
    internal ProgressThrottle? ProgressThrottle => _options.ProgressThrottle;

    /// <summary>Gets the exception <see cref="Abort"/> ends the call with, once aborted.</summary>
    internal OperationCanceledException? AbortException => Volatile.Read(ref _abortException);

    internal bool IsAborted => AbortException is not null;

    /// <summary>Gets a value indicating whether a handler started the call.</summary>
    internal bool IsStarted => Phase != CallPhase.Created;

    private CallPhase Phase => (CallPhase)Volatile.Read(ref _phase);

    /// <summary>
    /// Starts the call for the call-level handler that first sees its request: applies the options, the configurations
    /// (client-level <c>OnCall</c>, <see cref="Observe"/> scopes, the request option) and the library's observers, and links a
    /// token <see cref="Abort"/> cancels. Returns <see langword="false"/> when the call already started (an outer handler runs
    /// it). Call it from the handler's <see langword="async"/> method: it takes the <see cref="Observe"/> scopes off the flow
    /// for the rest of that method (the pipeline below), and the method puts them back for its caller when it returns.
    /// </summary>
    /// <exception cref="OperationCanceledException">The call was aborted before it was sent.</exception>
    /// <exception cref="Exception">A configuration threw (not isolated): the call ended with that exception, which is thrown.</exception>
    internal bool TryStart(EventingOptions options, IServiceProvider? services, ref CancellationToken cancellationToken)
    {
        lock (SyncRoot)
        {
            if (Phase != CallPhase.Created)
            {
                if (AbortException is { } aborted && Phase != CallPhase.Running && _attempts.Started == 0 && _returned is null)
                {
                    throw aborted;
                }

                return false;
            }

            Volatile.Write(ref _phase, (int)CallPhase.Running);
        }

        _options = options;
        Response.MarkStarted();
        var configureFailures = ApplyConfigurations(options, services);
        _observers = CallObserverFactories.CreateObservers(this, options.ObserverFactories);

        // Published with a full fence, then the abort is read: Abort() writes its exception first, then reads the source.
        var cancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _sendToken = cancellationToken;
        Interlocked.Exchange(ref _sendCancellation, cancellation);
        if (AbortException is not null)
        {
            cancellation.Cancel();
        }

        cancellationToken = cancellation.Token;
        if (configureFailures is not null)
        {
            OnConfigureFailed(configureFailures);
        }

        return true;
    }

    /// <summary>
    /// Takes the response the pipeline returns to the caller: records it as the call's, and ends the call at once when its
    /// body already closed (no body, or a listener fault). Throws a listener exception of the call's end.
    /// </summary>
    internal HttpResponseMessage OnResponse(HttpResponseMessage response)
    {
        ResponseBodyObserver body;
        if (response.Content is ObservedResponseContent observed && ReferenceEquals(observed.Observer.Call, this))
        {
            body = observed.Observer;
        }
        else
        {
            // No attempt of this call observed this response (a handler in between replaced it): observe it for the end only.
            var content = new ObservedResponseContent(
                response.Content, this, attempt: null, ObservedResponseContent.HasNoBody(response.RequestMessage ?? Request, response));
            response.Content = content;
            body = content.Observer;
        }

        // The returned attempt, found in the call's own records of what each attempt reported at its headers.
        bool reported;
        AttemptReport report;
        int started;
        lock (SyncRoot)
        {
            reported = _attempts.TryFind(response, out report);
            started = _attempts.Started;
        }

        Response.HttpResponse = response;
        Response.StatusCode = response.StatusCode;
        Response.Attempt = reported ? report.Number : started;
        if (reported)
        {
            Response.CountedBytesSent = report.BytesSent;
            Response.SetHeaders(report.HeadersTimestamp);
            Response.Timings = report.Timings;
        }

        _statusError = _options.SuccessPredicate(response)
            ? null
            : new HttpRequestException(
                $"Response status code does not indicate success: {(int)response.StatusCode} ({response.ReasonPhrase}).",
                inner: null,
                response.StatusCode);

        bool closed;
        BodyEnd end;
        Exception? error;
        lock (SyncRoot)
        {
            Volatile.Write(ref _returned, body);
            _returnedAttempt = reported ? report.Number : 0;
            closed = body.TryGetEnd(out end, out error);
        }

        // An abort that came before the caller got the response makes the send throw it.
        var toThrow = closed ? End(ErrorFor(end, error))
            : AbortException is { } aborted ? body.Abort() ?? aborted
            : null;
        if (toThrow is not null)
        {
            response.Dispose();
            Fault.Rethrow(toThrow);
        }

        return response;
    }

    /// <summary>
    /// Ends the call because the send failed, then returns for the handler's <c>throw;</c>, or throws what the caller must
    /// see instead: the abort exception for a send <see cref="Abort"/> cancelled, or a listener exception of the call's end.
    /// </summary>
    internal void OnSendFailed(Exception exception)
    {
        var error = exception is OperationCanceledException && AbortException is { } aborted ? aborted : exception;
        Fault.ThrowIfAny(End(error));
        if (!ReferenceEquals(error, exception))
        {
            Fault.Rethrow(error);
        }
    }

    /// <summary>
    /// Decides that a body which delivered its last byte ended complete, before its <see cref="HttpEvents.HttpDone"/> is raised:
    /// from then on <see cref="Abort"/> changes nothing. Returns <see langword="false"/> when an abort came first for the body the
    /// call returned: the body then closes as aborted. Bodies not returned (yet) always end complete; the call decides from
    /// their end when it takes them (<see cref="OnResponse"/>). The body marks itself decided before it asks, and
    /// <see cref="Abort"/> reads that mark under the same lock: exactly one of the two wins.
    /// </summary>
    internal bool TryDecideBodyEnd(ResponseBodyObserver body)
    {
        lock (SyncRoot)
        {
            return !ReferenceEquals(_returned, body) || _abortException is null;
        }
    }

    /// <summary>
    /// Ends a call whose request never reached a call-level handler, with the exception its send failed with. Returns a listener
    /// exception of the call's end, or <see langword="null"/>; does nothing when a handler started the call meanwhile.
    /// </summary>
    private Exception? EndNotSent(Exception error)
    {
        Registration[] listeners;
        lock (SyncRoot)
        {
            if (Phase != CallPhase.Created)
            {
                return null;
            }

            listeners = ClaimEnd(error);
        }

        return RaiseEnd(error, listeners);
    }

    /// <summary>
    /// Takes the report of how a response body closed (its observer published that end once, before it reports) and ends the
    /// call when that body is the one the call returned. Returns a listener exception of the call's end, or <see langword="null"/>.
    /// </summary>
    /// <remarks>
    /// The body publishes its end, then takes the lock here; <see cref="OnResponse"/> records the returned body, then reads its
    /// end, under the same lock: at least one of the two sees the other, and <see cref="End"/> runs once if both do.
    /// </remarks>
    internal Exception? OnBodyClosed(ResponseBodyObserver body, BodyEnd end, Exception? error)
    {
        bool returned;
        lock (SyncRoot)
        {
            returned = ReferenceEquals(_returned, body);
            if (body.Attempt is not null)
            {
                _attempts.OnBodyClosed();
            }
        }

        if (body.Attempt is { } attempt)
        {
            OnAttemptBodyClosed(attempt, body, end == BodyEnd.Complete ? null : error);
        }

        return returned ? End(ErrorFor(end, error)) : null;
    }

    /// <summary>
    /// Decides the call's error from how its returned body closed: a complete body ends with the status error (none for a
    /// success status); an abandoned one with the status error too when there is one — that is why the caller stopped
    /// reading (<c>GetStringAsync</c> on a 503) — and otherwise with the abandon exception; a failed one with its failure.
    /// </summary>
    private Exception? ErrorFor(BodyEnd end, Exception? error) => end switch
    {
        BodyEnd.Complete => _statusError,
        BodyEnd.Abandoned => _statusError ?? error,
        _ => error,
    };

    /// <summary>
    /// Ends the call exactly once: raises <see cref="HttpEvents.Success"/> or <see cref="HttpEvents.Error"/>, then
    /// <see cref="HttpEvents.Complete"/>, then completes <see cref="Completion"/>. Every listener runs even when one throws.
    /// </summary>
    /// <returns>The first listener exception to throw from the operation that ended the call, or <see langword="null"/>.</returns>
    private Exception? End(Exception? error)
    {
        Registration[] listeners;
        lock (SyncRoot)
        {
            if (Phase >= CallPhase.Ended)
            {
                return null;
            }

            listeners = ClaimEnd(error);
        }

        return RaiseEnd(error, listeners);
    }

    /// <summary>Decides the end, under <see cref="EventEmitter.SyncRoot"/>: the phase, the error, the end time; returns the terminal listeners.</summary>
    private Registration[] ClaimEnd(Exception? error)
    {
        Response.Error = error;
        Response.MarkEnded();
        Volatile.Write(ref _phase, (int)CallPhase.Ended);
        return GetRegistrations(error is null ? HttpEvents.Success : HttpEvents.Error);
    }

    /// <summary>Raises the end <see cref="ClaimEnd"/> decided; see <see cref="End"/>.</summary>
    private Exception? RaiseEnd(Exception? error, Registration[] listeners)
    {
        var terminal = error is null ? HttpEvents.Success : HttpEvents.Error;
        Exception? first = null;
        var locked = _gate.Enter();
        var flow = AttemptTimer.SuspendFlow();
        try
        {
            NotifyCallEnded();
            InvokeAll(terminal, listeners, Response, ref first);

            lock (SyncRoot)
            {
                Volatile.Write(ref _phase, (int)CallPhase.Finished);
                listeners = GetRegistrations(HttpEvents.Complete);
            }

            InvokeAll(HttpEvents.Complete, listeners, Response, ref first);
        }
        finally
        {
            AttemptTimer.ResumeFlow(flow);
            _gate.Exit(locked);
        }

        // Stryker disable once Statement : releases the send's linked source only (a resource, not behaviour)
        Interlocked.Exchange(ref _sendCancellation, null)?.Dispose();
        CompleteCompletion();
        return Isolate(terminal, first);
    }

    /// <summary>Gets the terminal event the call raised, once it ended: <see cref="HttpEvents.Success"/> or <see cref="HttpEvents.Error"/>.</summary>
    private EventKey? TerminalKey =>
        Phase < CallPhase.Ended ? null : Response.Error is null ? HttpEvents.Success : HttpEvents.Error;

    /// <inheritdoc/>
    private protected override bool IsClosed(EventKey key) =>
        ReferenceEquals(key, HttpEvents.Complete) ? Phase >= CallPhase.Finished
        : (ReferenceEquals(key, HttpEvents.Success) || ReferenceEquals(key, HttpEvents.Error)) && Phase >= CallPhase.Ended;

    /// <inheritdoc/>
    private protected override void OnListenerAddedAfterClose(EventKey key, Delegate listener)
    {
        // on-finished: a listener added after the end runs at once, with the final response, and is not stored.
        // Only the terminal event that happened runs; the other one never will.
        if (ReferenceEquals(key, HttpEvents.Complete) || ReferenceEquals(key, TerminalKey))
        {
            ((Action<HttpCallResponse>)listener)(Response);
        }
    }
}
