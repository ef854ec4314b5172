using System.Net;
using Handlers.Eventing.Internal;

namespace Handlers.Eventing;

// The call's state machine: start, attempts, the exactly-once end, late subscription, abort and listener exceptions.
public partial class HttpCall
{
    private const int StateNotStarted = 0;
    private const int StateRunning = 1;
    private const int StateEnded = 2;

    private static readonly EventingOptions s_defaultOptions = new();

    private int _state;
    private int _ending;
    private volatile EventKey? _terminalKey;
    private volatile bool _finished;
    private EventingOptions _options = s_defaultOptions;
    private CancellationTokenSource? _cts;
    private OperationCanceledException? _abortException;
    private ResponseBody? _body;
    private Exception? _statusError;
    private int _attempt;
    private Exception? _previousError;
    private HttpStatusCode? _previousStatus;
    private Exception? _listenerFailure;

    /// <summary>Gets the options of the handler that runs the call (the defaults until it starts).</summary>
    internal EventingOptions Options => _options;

    /// <summary>Gets the exception <see cref="Abort"/> ends the call with, once aborted.</summary>
    internal OperationCanceledException? AbortException => Volatile.Read(ref _abortException);

    internal bool IsStarted => Volatile.Read(ref _state) != StateNotStarted;

    /// <summary>
    /// Aborts the call (AWS <c>abort()</c>): it ends in <see cref="HttpEvents.Error"/> with an
    /// <see cref="OperationCanceledException"/> that says it was aborted, then <see cref="HttpEvents.Complete"/>.
    /// </summary>
    /// <remarks>
    /// Before the call is sent, it ends at once and a later send throws that exception. While waiting for the headers or
    /// reading the body, the pending send or read throws it. After the call ended, nothing happens. Never blocks.
    /// </remarks>
    public void Abort()
    {
        if (_finished)
        {
            return;
        }

        var abort = new OperationCanceledException(
            $"The HTTP call {Request.Method} {Request.RequestUri} was aborted by HttpCall.Abort().");
        if (Interlocked.CompareExchange(ref _abortException, abort, null) is not null || _finished)
        {
            return;
        }

        if (Interlocked.CompareExchange(ref _state, StateEnded, StateNotStarted) == StateNotStarted)
        {
            ThrowIfListenerFailed(End(abort));
            return;
        }

        try
        {
            Volatile.Read(ref _cts)?.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The call ended meanwhile.
        }

        var listenerException = Volatile.Read(ref _body)?.Abort();
        ThrowIfListenerFailed(listenerException);
    }

    /// <summary>
    /// Starts the call for the handler that first sees its request: applies the options and client-level listeners and links
    /// a token <see cref="Abort"/> can cancel. Returns <see langword="false"/> when the call already started (a nested handler).
    /// </summary>
    /// <exception cref="OperationCanceledException">The call was aborted before it was sent.</exception>
    internal bool TryStart(EventingOptions options, IServiceProvider? services, CancellationToken cancellationToken, out CancellationToken callToken)
    {
        callToken = cancellationToken;
        if (Volatile.Read(ref _state) != StateNotStarted)
        {
            if (AbortException is { } aborted && _attempt == 0)
            {
                throw aborted;
            }

            return false;
        }

        var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Volatile.Write(ref _cts, cts);
        if (Interlocked.CompareExchange(ref _state, StateRunning, StateNotStarted) != StateNotStarted)
        {
            Volatile.Write(ref _cts, null);
            cts.Dispose();
            if (AbortException is { } aborted)
            {
                throw aborted;
            }

            return false;
        }

        _options = options;
        Response.MarkStarted();
        if (options.CallConfigurations.Count > 0)
        {
            ApplyCallConfigurations(options, services);
        }

        if (AbortException is not null)
        {
            cts.Cancel();
        }

        callToken = cts.Token;
        return true;
    }

    /// <summary>Starts an attempt: counts it and raises <see cref="HttpEvents.Retry"/> before every attempt after the first.</summary>
    internal int BeginAttempt()
    {
        var attempt = Interlocked.Increment(ref _attempt);
        Response.Attempts = attempt;
        Response.RetryCount = attempt - 1;
        Response.BytesSent = 0;
        Response.BytesReceived = 0;
        if (attempt > 1 && HasListeners(HttpEvents.Retry))
        {
            ThrowIfListenerFailed(RaiseAttemptEvent(HttpEvents.Retry, new HttpRetryEvent(this, attempt, HttpAttemptKind.Retry, delay: null, _previousError, _previousStatus)));
        }

        return attempt;
    }

    /// <summary>Records how an attempt ended, for the next <see cref="HttpEvents.Retry"/>.</summary>
    internal void EndAttempt(HttpStatusCode? status, Exception? error)
    {
        _previousStatus = status;
        _previousError = error;
    }

    /// <summary>Records the response the call will return: the final attempt's, as the outermost handler sees it.</summary>
    internal void SetFinalResponse(HttpResponseMessage response)
    {
        Response.HttpResponse = response;
        Response.StatusCode = response.StatusCode;
        _statusError = _options.SuccessPredicate(response)
            ? null
            : new HttpRequestException(
                $"Response status code does not indicate success: {(int)response.StatusCode} ({response.ReasonPhrase}).",
                inner: null,
                response.StatusCode);
    }

    /// <summary>
    /// Records the body whose end ends the call, so that <see cref="Abort"/> can reach it; applies an abort that came
    /// between the headers and now. Returns a listener exception to throw, if the abort ended the call.
    /// </summary>
    internal Exception? SetBody(ResponseBody body)
    {
        Volatile.Write(ref _body, body);
        return AbortException is not null ? body.Abort() : null;
    }

    /// <summary>Gets the error the call ends with when its body was fully received: the status error, if any.</summary>
    internal Exception? CompletedBodyError => _statusError;

    /// <summary>Maps an exception that reached the outermost handler to the one the call ends with.</summary>
    internal Exception MapFailure(Exception exception) =>
        exception is OperationCanceledException && AbortException is { } aborted ? aborted : exception;

    /// <summary>
    /// Ends the call exactly once: raises <see cref="HttpEvents.Success"/> or <see cref="HttpEvents.Error"/>, then
    /// <see cref="HttpEvents.Complete"/>, then completes <see cref="Completion"/>. Every listener runs even when one throws.
    /// </summary>
    /// <returns>The first listener exception to throw from the operation that ended the call, or <see langword="null"/>.</returns>
    internal Exception? End(Exception? error)
    {
        if (Interlocked.Exchange(ref _ending, 1) != 0)
        {
            return null;
        }

        Volatile.Write(ref _state, StateEnded);
        Response.Error = error;
        Response.MarkEnded();

        var terminal = error is null ? HttpEvents.Success : HttpEvents.Error;
        Registration[] listeners;
        lock (SyncRoot)
        {
            _terminalKey = terminal;
            listeners = GetRegistrations(terminal);
        }

        Exception? first = null;
        InvokeAll(terminal, listeners, Response, ref first);

        lock (SyncRoot)
        {
            _finished = true;
            listeners = GetRegistrations(HttpEvents.Complete);
        }

        InvokeAll(HttpEvents.Complete, listeners, Response, ref first);

        var cts = Interlocked.Exchange(ref _cts, null);
        cts?.Dispose();
        CompleteCompletion();
        return Isolate(terminal, first);
    }

    /// <summary>Raises a per-attempt event; every listener runs, and the first exception is returned (or isolated).</summary>
    internal Exception? RaiseAttemptEvent<TArgs>(EventKey<TArgs> eventKey, TArgs args)
    {
        Exception? first = null;
        EmitAll(eventKey, args, ref first);
        return Isolate(eventKey, first);
    }

    internal bool HasListeners(EventKey eventKey) => ListenerCount(eventKey) > 0;

    /// <inheritdoc/>
    private protected override bool IsClosed(EventKey key) =>
        ReferenceEquals(key, HttpEvents.Complete) ? _finished
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

    /// <inheritdoc/>
    private protected override void OnSuppressedListenerException(EventKey key, Exception exception) =>
        Report(key, exception);

    /// <summary>
    /// Records a listener exception thrown inside the transport (upload progress), which the transport may wrap, so that
    /// the handler throws the listener's own exception object.
    /// </summary>
    internal void MarkListenerFailure(Exception exception) => Interlocked.CompareExchange(ref _listenerFailure, exception, null);

    /// <summary>Returns and clears the listener exception recorded by <see cref="MarkListenerFailure"/>.</summary>
    internal Exception? TakeListenerFailure() => Interlocked.Exchange(ref _listenerFailure, null);

    /// <summary>Reports a listener exception that is not thrown because another one already is.</summary>
    internal void ReportSuppressed(EventKey key, Exception exception) => Report(key, exception);

    private static void ThrowIfListenerFailed(Exception? exception)
    {
        if (exception is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(exception);
        }
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
        try
        {
            _options.ListenerExceptionHandler?.Invoke(this, key, exception);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A reporting callback must not break the call it reports on.
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
