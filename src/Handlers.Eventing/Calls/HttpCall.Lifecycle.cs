using System.Net;
using System.Runtime.ExceptionServices;
using Handlers.Eventing.Internal;

namespace Handlers.Eventing;

// The call's state machine: the one place that decides that a call ends.
//
//   Created ──TryStart──▶ Sending ──OnResponse──▶ Receiving ──the returned body closed──▶ Ended ──▶ Finished
//      │                     │                                                             ▲
//      │                     └──OnSendFailed (transport, cancellation, timeout, abort)────┤
//      └──Abort────────────────────────────────────────────────────────────────────────────┘
//
// Ended raises success or error; Finished sets IsFinished, raises complete and completes Completion. Attempts run inside
// Sending, one after another or overlapping (hedging). Observers only report: an attempt's start (BeginAttempt), its
// headers or failure (OnAttemptHeaders, OnAttemptFailed), and how each response body closed (OnBodyClosed). The call ends
// when the body of the response it returned closed, or when the send failed; End runs once.
public sealed partial class HttpCall
{
    private static readonly EventingOptions s_defaultOptions = new();

    private int _phase;
    private bool _sent;
    private EventingOptions _options = s_defaultOptions;
    private CallObserver[]? _observers;
    private CancellationTokenSource? _sendCancellation;
    private CancellationToken _sendToken;
    private OperationCanceledException? _abortException;
    private volatile EventKey? _terminalKey;
    private int _attemptCount;
    private int _announcedThrough;
    private Exception? _announceFault;
    private int _sendsInFlight;
    private HttpStatusCode? _lastStatus;
    private Exception? _lastError;
    private ResponseBodyObserver? _returned;
    private Exception? _statusError;

    /// <summary>Gets the options of the handler that runs the call (the defaults until it starts).</summary>
    internal EventingOptions Options => _options;

    /// <summary>Gets the exception <see cref="Abort"/> ends the call with, once aborted.</summary>
    internal OperationCanceledException? AbortException => Volatile.Read(ref _abortException);

    internal bool IsAborted => AbortException is not null;

    /// <summary>Gets a value indicating whether a handler started the call.</summary>
    internal bool IsStarted => Volatile.Read(ref _sent);

    private CallPhase Phase => (CallPhase)Volatile.Read(ref _phase);

    /// <summary>
    /// Aborts the call (AWS <c>abort()</c>): it ends in <see cref="HttpEvents.Error"/> with an
    /// <see cref="OperationCanceledException"/> that says it was aborted, then <see cref="HttpEvents.Complete"/>.
    /// </summary>
    /// <remarks>
    /// Before the call is sent, it ends at once and a later send throws that exception. While waiting for the headers or
    /// reading the body, the pending send or read throws it at once, whatever remains of the body. After the call ended,
    /// nothing happens. Never blocks. A listener exception of the call's end is thrown from here when the abort ended it.
    /// </remarks>
    public void Abort()
    {
        if (Phase >= CallPhase.Ended)
        {
            return;
        }

        var abort = new OperationCanceledException(
            $"The HTTP call {Request.Method} {Request.RequestUri} was aborted by HttpCall.Abort().");
        if (Interlocked.CompareExchange(ref _abortException, abort, null) is not null)
        {
            // Stryker disable once Statement : a second Abort() only repeats the first one's cancellations, which are idempotent (and before the send the first one has ended the call)
            return;
        }

        bool notSent;
        ResponseBodyObserver? returned;
        lock (SyncRoot)
        {
            notSent = !_sent;
            _sent = true;
            returned = _returned;
        }

        if (notSent)
        {
            ThrowIfNotNull(End(abort));
            return;
        }

        try
        {
            Volatile.Read(ref _sendCancellation)?.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The call ended meanwhile.
        }

        // A response not returned yet is aborted by OnResponse, which sees the abort exception.
        ThrowIfNotNull(returned?.Abort());
    }

    /// <summary>
    /// Starts the call for the call-level handler that first sees its request: applies the options, the client-level
    /// listeners and the library's observers, and links a token <see cref="Abort"/> cancels. Returns <see langword="false"/>
    /// when the call already started (an outer handler runs it).
    /// </summary>
    /// <exception cref="OperationCanceledException">The call was aborted before it was sent.</exception>
    internal bool TryStart(EventingOptions options, IServiceProvider? services, ref CancellationToken cancellationToken)
    {
        lock (SyncRoot)
        {
            if (_sent)
            {
                if (AbortException is { } aborted && Phase != CallPhase.Sending && _attemptCount == 0 && _returned is null)
                {
                    throw aborted;
                }

                return false;
            }

            _sent = true;
            _phase = (int)CallPhase.Sending;
        }

        _options = options;
        Response.MarkStarted();
        if (options.CallConfigurations.Count > 0)
        {
            ApplyCallConfigurations(options, services);
        }

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
        return true;
    }

    /// <summary>
    /// Starts an attempt: numbers it, raises <see cref="HttpEvents.Retry"/> for every attempt after the first (unless a retry
    /// strategy announced it, <see cref="ReportAttemptDecided"/>), and wraps its request content for upload progress.
    /// </summary>
    /// <returns>The attempt, or <see langword="null"/> when the call already ended (a handler re-sent its request after the end).</returns>
    internal CallAttempt? BeginAttempt(HttpRequestMessage request)
    {
        int number;
        bool overlaps;
        bool announced;
        Exception? announceFault;
        HttpStatusCode? previousStatus;
        Exception? previousError;
        lock (SyncRoot)
        {
            if (Phase >= CallPhase.Ended)
            {
                return null;
            }

            number = ++_attemptCount;
            overlaps = _sendsInFlight > 0;
            _sendsInFlight++;
            announced = number <= _announcedThrough;
            announceFault = announced ? Interlocked.Exchange(ref _announceFault, null) : null;
            previousStatus = _lastStatus;
            previousError = _lastError;
        }

        if (overlaps)
        {
            _gate.UseLock();
        }

        Response.Attempts = number;
        Response.RetryCount = number - 1;
        var attempt = new CallAttempt(this, request, number);
        var failure = announceFault;
        if (number > 1 && !announced)
        {
            failure = overlaps
                ? RaiseRetry(new HttpRetryEvent(this, number, HttpAttemptKind.Hedge, delay: null, previousError: null, previousStatusCode: null))
                : RaiseRetry(new HttpRetryEvent(this, number, HttpAttemptKind.Retry, delay: null, previousError, previousStatus));
        }

        if (failure is not null)
        {
            // A retry listener threw: the attempt fails before it is sent, with the listener's own exception.
            OnAttemptFailed(attempt, failure);
            ExceptionDispatchInfo.Throw(failure);
        }

        attempt.ObserveRequestContent();
        return attempt;
    }

    /// <summary>
    /// Raises <see cref="HttpEvents.Retry"/> when a retry or hedging strategy decides the next attempt (before its delay),
    /// numbered as that attempt; the attempt raises no second <see cref="HttpEvents.Retry"/> when it starts. A listener
    /// exception is thrown by that attempt's start.
    /// </summary>
    internal void ReportAttemptDecided(HttpAttemptKind kind, TimeSpan? delay, Exception? previousError, HttpStatusCode? previousStatusCode)
    {
        int number;
        lock (SyncRoot)
        {
            if (Phase >= CallPhase.Ended)
            {
                return;
            }

            number = Math.Max(_attemptCount, _announcedThrough) + 1;
            _announcedThrough = number;
            if (kind == HttpAttemptKind.Hedge && _sendsInFlight == 0)
            {
                // A hedging strategy reacting to an attempt that already ended (a fast 503): nothing runs beside the next
                // attempt, so it is a retry of that outcome.
                kind = HttpAttemptKind.Retry;
                previousError = _lastError;
                previousStatusCode = _lastStatus;
            }
        }

        if (kind == HttpAttemptKind.Hedge)
        {
            _gate.UseLock();
        }

        if (RaiseRetry(new HttpRetryEvent(this, number, kind, delay, previousError, previousStatusCode)) is { } failure)
        {
            Interlocked.CompareExchange(ref _announceFault, failure, null);
        }
    }

    /// <summary>
    /// Gets the token of the send's linked source, which <see cref="Abort"/> cancels, when a body read passes the very token the
    /// call was sent with (HttpClient buffers the body with it): the read then needs no source of its own.
    /// </summary>
    internal bool TryGetSendToken(CancellationToken readToken, out CancellationToken token)
    {
        if (readToken.CanBeCanceled && readToken == _sendToken && Volatile.Read(ref _sendCancellation) is { } source)
        {
            try
            {
                token = source.Token;
                // Stryker disable once Boolean : without it the read links its own source to the same send token, which Abort() cancels too: only an allocation more
                return true;
            }
            catch (ObjectDisposedException)
            {
                // The call ended meanwhile.
            }
        }

        token = default;
        return false;
    }

    /// <summary>Records that an attempt's response headers arrived: its send ended.</summary>
    internal void OnAttemptHeaders(CallAttempt attempt, HttpResponseMessage response)
    {
        bool returned;
        lock (SyncRoot)
        {
            _sendsInFlight--;
            _lastStatus = response.StatusCode;
            _lastError = null;
            returned = _returned is not null;
        }

        if (!returned)
        {
            // The running view of the response (AWS fills it in as the call runs), until OnResponse sets the returned attempt's:
            // a hedged attempt that answers after the winner does not overwrite it.
            Response.HttpResponse = response;
            Response.StatusCode = response.StatusCode;
            Response.SetHeaders(attempt.HeadersTimestamp);
        }
    }

    /// <summary>Records that an attempt's send failed.</summary>
    internal void OnAttemptFailed(CallAttempt attempt, Exception exception)
    {
        lock (SyncRoot)
        {
            _sendsInFlight--;
            _lastStatus = null;
            _lastError = exception;
        }

        Response.BytesSent = attempt.BytesSent;
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

        var attempt = body.Attempt;
        Response.HttpResponse = response;
        Response.StatusCode = response.StatusCode;
        Response.Attempt = attempt?.Number ?? Volatile.Read(ref _attemptCount);
        if (attempt is not null)
        {
            Response.BytesSent = attempt.BytesSent;
            Response.SetHeaders(attempt.HeadersTimestamp);
            Response.Timings = attempt.Timer?.Snapshot();
        }

        _statusError = _options.SuccessPredicate(response)
            ? null
            : new HttpRequestException(
                $"Response status code does not indicate success: {(int)response.StatusCode} ({response.ReasonPhrase}).",
                inner: null,
                response.StatusCode);

        BodyEnd? closed;
        lock (SyncRoot)
        {
            _returned = body;
            // Stryker disable once Equality,Block : nothing reads Receiving apart from Sending (TryStart's check also needs _returned null): a dead write, see docs/testing.md
            if (Phase == CallPhase.Sending)
            {
                _phase = (int)CallPhase.Receiving;
            }

            closed = body.ReportedEnd;
        }

        // An abort that came before the caller got the response makes the send throw it.
        var toThrow = closed is { } end ? End(ErrorFor(end, body.ReportedError))
            : AbortException is { } aborted ? body.Abort() ?? aborted
            : null;
        if (toThrow is not null)
        {
            response.Dispose();
            ExceptionDispatchInfo.Throw(toThrow);
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
        ThrowIfNotNull(End(error));
        if (!ReferenceEquals(error, exception))
        {
            ExceptionDispatchInfo.Throw(error);
        }
    }

    /// <summary>
    /// Records how a response body closed (its observer reports it once) and ends the call when that body is the one the
    /// call returned. Returns a listener exception of the call's end, or <see langword="null"/>.
    /// </summary>
    internal Exception? OnBodyClosed(ResponseBodyObserver body, BodyEnd end, Exception? error)
    {
        bool returned;
        lock (SyncRoot)
        {
            body.ReportedEnd = end;
            body.ReportedError = error;
            returned = ReferenceEquals(_returned, body);
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
        var terminal = error is null ? HttpEvents.Success : HttpEvents.Error;
        Registration[] listeners;
        lock (SyncRoot)
        {
            if (Phase >= CallPhase.Ended)
            {
                return null;
            }

            _phase = (int)CallPhase.Ended;
            Response.Error = error;
            Response.MarkEnded();
            _terminalKey = terminal;
            listeners = GetRegistrations(terminal);
        }

        Exception? first = null;
        var locked = _gate.Enter();
        try
        {
            NotifyCallEnded();
            InvokeAll(terminal, listeners, Response, ref first);

            lock (SyncRoot)
            {
                _phase = (int)CallPhase.Finished;
                listeners = GetRegistrations(HttpEvents.Complete);
            }

            InvokeAll(HttpEvents.Complete, listeners, Response, ref first);
        }
        finally
        {
            _gate.Exit(locked);
        }

        // Stryker disable once Statement : releases the send's linked source only (a resource, not behaviour)
        Interlocked.Exchange(ref _sendCancellation, null)?.Dispose();
        CompleteCompletion();
        return Isolate(terminal, first);
    }

    /// <inheritdoc/>
    private protected override bool IsClosed(EventKey key) =>
        ReferenceEquals(key, HttpEvents.Complete) ? Phase == CallPhase.Finished
        : (ReferenceEquals(key, HttpEvents.Success) || ReferenceEquals(key, HttpEvents.Error)) && _terminalKey is not null;

    /// <inheritdoc/>
    private protected override void OnListenerAddedAfterClose(EventKey key, Delegate listener)
    {
        // on-finished: a listener added after the end runs at once, with the final response, and is not stored.
        // Only the terminal event that happened runs; the other one never will.
        if (ReferenceEquals(key, HttpEvents.Complete) || ReferenceEquals(key, _terminalKey))
        {
            ((Action<HttpCallResponse>)listener)(Response);
        }
    }

    private static void ThrowIfNotNull(Exception? exception)
    {
        if (exception is not null)
        {
            ExceptionDispatchInfo.Throw(exception);
        }
    }

    private void ApplyCallConfigurations(EventingOptions options, IServiceProvider? services)
    {
        BeginFrontInsertion();
        try
        {
            foreach (var configure in options.CallConfigurations)
            {
                configure(this, services);
            }
        }
        finally
        {
            EndFrontInsertion();
        }
    }
}
