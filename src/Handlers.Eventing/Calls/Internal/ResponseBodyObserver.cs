using System.Globalization;

namespace Handlers.Eventing.Internal;

/// <summary>
/// Observes one response body as its reader pulls it through <see cref="ObservedResponseContent"/>: raises the attempt's body
/// events (<see cref="HttpEvents.HttpDownloadProgress"/>, <see cref="HttpEvents.HttpData"/>, <see cref="HttpEvents.HttpDone"/>,
/// <see cref="HttpEvents.HttpError"/>) and reports to the call how the body closed. It never ends the call: the call decides.
/// </summary>
/// <remarks>
/// <para>
/// The body closes exactly once: at its end (a 0-byte read, the Content-Length-th byte, or no body at all), on a failure, on
/// disposal before the end, on abort, or when a listener throws. Reads come one at a time (a stream's contract);
/// <see cref="Abort"/> may come from any thread.
/// </para>
/// <para>
/// Methods that end in the call return the exception the caller's operation must throw (a listener exception, or the error
/// the body closed with), or <see langword="null"/>: the one convention for "an exception to throw later" in this library.
/// </para>
/// </remarks>
internal sealed partial class ResponseBodyObserver
{
    // Fixed at creation.
    private readonly HttpCall _call;
    private AttemptBodySource _source; // replaced only by a resume, by the reader (one read at a time)

    // The caller's side, written by the reader (one read at a time): the bytes delivered, the read that is pending, and the
    // linked token source its reads pass to the transport (Abort() and the idle clock cancel it).
    private long _loaded;
    private int _reading;
    private CancellationTokenSource? _readCancellation;
    private CancellationToken _readCancellationFor;

    // The end, published once by the body itself (see the state constants below): _state moves Open → Closing → Closed, or
    // Open → Decided → Closed for a body whose last byte was delivered; the one path that claims the close writes _end and
    // _error, then Closed. _aborted is written by Abort() from any thread.
    private const int Open = 0;     // bytes may still come
    private const int Decided = 1;  // the last byte was delivered and the call decided the end complete: only this reader closes it
    private const int Closing = 2;  // one path claimed the close and is raising its events
    private const int Closed = 3;   // _end and _error are published
    private int _state;
    private int _aborted;
    private BodyEnd _end;
    private Exception? _error;

    /// <param name="call">The call.</param>
    /// <param name="source">The attempt's content the bytes come from; released on abort to free the connection.</param>
    /// <param name="total">The body length: the Content-Length the reader sees, 0 for a response without a body, or null.</param>
    public ResponseBodyObserver(HttpCall call, AttemptBodySource source, long? total)
    {
        _call = call;
        _source = source;
        Total = total;
    }

    public HttpCall Call => _call;

    /// <summary>Gets the source the bytes come from: the attempt's content and the stream opened on it.</summary>
    public AttemptBodySource Source => _source;

    /// <summary>Gets the attempt whose body events the bytes raise, or <see langword="null"/> for a body that only reports its end.</summary>
    public CallAttempt? Attempt => _source.Attempt;

    public long? Total { get; }

    /// <summary>
    /// Gets a value indicating whether the body's last byte was delivered and its end is (being) decided complete: the call
    /// reads it under its lock, where <see cref="HttpCall.TryDecideBodyEnd"/> decides between that end and an abort.
    /// </summary>
    public bool IsEndDecided => Volatile.Read(ref _state) == Decided || (IsClosed && _end == BodyEnd.Complete);

    /// <summary>Gets a value indicating whether the body published its end (<see cref="TryGetEnd"/>).</summary>
    private bool IsClosed => Volatile.Read(ref _state) == Closed;

    /// <summary>Gets how the body closed and the error it closed with, once it published them.</summary>
    public bool TryGetEnd(out BodyEnd end, out Exception? error)
    {
        var closed = IsClosed;
        end = closed ? _end : default;
        error = closed ? _error : null;
        return closed;
    }

    /// <summary>Gets a value indicating whether a listener wants the chunk bytes (not just their count).</summary>
    // Stryker disable once Logical : without a data listener the sync span read only copies through the scratch array: the same bytes, one copy more
    public bool WantsChunks => Attempt is not null && _call.HasListeners(HttpEvents.HttpData);

    /// <summary>Starts a read or a copy; throws when the body was aborted or faulted by a listener.</summary>
    public void EnterRead()
    {
        // Written before the abort is read, with plain volatile accesses on the per-read path: Abort() pays for the ordering
        // instead (see Abort). An abort that saw this read coming left the closing to it.
        Volatile.Write(ref _reading, 1);
        if (Volatile.Read(ref _aborted) != 0 && Volatile.Read(ref _state) == Open && CloseAborted() is { } aborted)
        {
            Volatile.Write(ref _reading, 0);
            Fault.Rethrow(aborted);
        }

        if (Volatile.Read(ref _state) != Open && ClosedError is { } thrown)
        {
            Volatile.Write(ref _reading, 0);
            Fault.Rethrow(thrown);
        }

        StartIdleClock();
    }

    /// <summary>Throws the exception the body closed with, so that using it after that throws the call's error.</summary>
    /// <remarks>An abort that is still closing the body (its exception not recorded yet) throws the abort exception.</remarks>
    public void ThrowIfFaulted()
    {
        if (Volatile.Read(ref _state) != Open && ClosedError is { } thrown)
        {
            Fault.Rethrow(thrown);
        }
    }

    /// <summary>
    /// Records a failed read or copy and throws what the caller must see instead of <paramref name="exception"/>; returns when
    /// that is <paramref name="exception"/> itself, for the caller's <c>throw;</c>. A cancellation by
    /// <paramref name="callerToken"/> is thrown carrying that token, not the linked one <see cref="ReadToken"/> gave the transport.
    /// </summary>
    public void ThrowFailure(Exception exception, CancellationToken callerToken = default)
    {
        var toThrow = OnFailure(AsCallerSawIt(exception, callerToken));
        if (!ReferenceEquals(toThrow, exception))
        {
            Fault.Rethrow(toThrow);
        }
    }

    /// <summary>
    /// Completes a read that delivered <paramref name="count"/> bytes (0 at the end); <paramref name="chunk"/> holds them when a
    /// listener wants the bytes. Throws a listener's exception, the abort exception, or an error of the call's end.
    /// </summary>
    public void OnRead(int count, ReadOnlyMemory<byte> chunk) => OnRead(count, chunk, readEnds: true);

    /// <summary>
    /// Reports a chunk that a copy of the body wrote (<see cref="ResponseCopyStream"/>): as <see cref="OnRead(int, ReadOnlyMemory{byte})"/>, but the copy
    /// stays a pending read, since the copy's next read from the transport belongs to it.
    /// </summary>
    public void OnChunkCopied(int count, ReadOnlyMemory<byte> chunk) => OnRead(count, chunk, readEnds: false);

    private void OnRead(int count, ReadOnlyMemory<byte> chunk, bool readEnds)
    {
        if (StopIdleClock() is { } stall)
        {
            // The timer fired before the read returned: the stall decided, whatever the read brought.
            Fault.Rethrow(OnFailure(stall));
        }

        Exception? toThrow = null;
        if (Volatile.Read(ref _state) == Open && Volatile.Read(ref _aborted) == 0)
        {
            toThrow = count > 0 ? OnChunk(count, chunk) : Complete();
        }

        if (readEnds)
        {
            Volatile.Write(ref _reading, 0);
        }

        if (toThrow is null && Volatile.Read(ref _aborted) != 0)
        {
            toThrow = CloseAborted();
        }

        Fault.ThrowIfAny(toThrow);
    }

    /// <summary>Completes a copy that ran to its end.</summary>
    private void OnCopied() => OnRead(0, default);

    /// <summary>Completes, at the headers, a body that has nothing to read (no body, or Content-Length 0).</summary>
    /// <returns>A listener exception of <see cref="HttpEvents.HttpDone"/> or the progress event, or <see langword="null"/>.</returns>
    public Exception? CompleteEmpty() => Complete();

    /// <summary>Records the disposal of the content or stream: before the end, the caller abandoned the body.</summary>
    /// <returns>A listener exception to throw from the disposal, or <see langword="null"/>.</returns>
    public Exception? OnDisposed()
    {
        if (!TryClaimClose())
        {
            return null;
        }

        var total = Total is { } known ? known.ToString(CultureInfo.InvariantCulture) : "an unknown number of";
        var abandoned = new HttpCallAbandonedException(
            $"The response body was disposed after {_loaded} of {total} bytes, before it was read to the end. " +
            "Read the body to its end (or use the default HttpCompletionOption.ResponseContentRead) to end the call in success.");
        // Stryker disable once Statement : releases the linked read source only (a resource, not behaviour)
        DisposeReadCancellation();
        DisposeIdleClock();
        Attempt?.EndTimings();
        return PublishEnd(BodyEnd.Abandoned, abandoned);
    }

    /// <summary>
    /// Faults the body because a listener threw (in a chunk event, or in <see cref="HttpEvents.HttpHeaders"/> before the body
    /// was read): it closes without <see cref="HttpEvents.HttpDone"/>, and the call ends with the listener's exception.
    /// Returns that exception, for the operation that raised the event to throw.
    /// </summary>
    public Exception FailByListener(Exception listenerException)
    {
        if (!TryClaimClose())
        {
            return listenerException;
        }

        DisposeIdleClock();
        Attempt?.EndTimings();
        if (PublishEnd(BodyEnd.ListenerFault, listenerException) is { } endFailure
            && !ReferenceEquals(endFailure, listenerException))
        {
            _call.ReportSuppressed(HttpEvents.Complete, endFailure);
        }

        DisposeInner();
        return listenerException;
    }

    /// <summary>Gets the exception a closed body throws: what it closed with, or the abort exception while an abort is closing it.</summary>
    private Exception? ClosedError => (IsClosed ? _error : null) ?? (Volatile.Read(ref _aborted) != 0 ? _call.AbortException : null);

    /// <summary>Claims the close of a body that is still open; <see langword="false"/> when another path closes (or closed) it.</summary>
    private bool TryClaimClose() => Interlocked.CompareExchange(ref _state, Closing, Open) == Open;

    /// <summary>
    /// Publishes how the body closed (the one write of its end), then reports it to the call. Returns a listener exception of
    /// the call's end, when this body ended it, or <see langword="null"/>.
    /// </summary>
    private Exception? PublishEnd(BodyEnd end, Exception? error)
    {
        _end = end;
        _error = error;
        Volatile.Write(ref _state, Closed);
        return _call.OnBodyClosed(this, end, error);
    }

    /// <summary>
    /// Records a failed read: raises <see cref="HttpEvents.HttpError"/> for a transport failure (not for cancellation or
    /// abort) and reports the failure. Returns the exception the read must throw.
    /// </summary>
    private Exception OnFailure(Exception exception)
    {
        // Stryker disable once Statement : the body closes below (or was closed): _reading only decides whether Abort closes the body, and closing a closed body is a no-op
        Volatile.Write(ref _reading, 0);
        var stall = StopIdleClock();
        if (!TryClaimClose())
        {
            return ClosedError ?? exception;
        }

        // Stryker disable once Statement : releases the linked read source only (a resource, not behaviour)
        DisposeReadCancellation();
        DisposeIdleClock();
        var timings = Attempt?.EndTimings();
        Exception error;
        Exception? listenerException = null;
        if (Volatile.Read(ref _aborted) != 0)
        {
            // The read an abort cancelled has ended: the content can be released now.
            error = _call.AbortException!;
            DisposeInner();
        }
        else
        {
            // A read the idle clock cancelled fails with the stall (a transport failure), not with the cancellation.
            error = stall ?? exception;
            if (Attempt is { } attempt && error is not OperationCanceledException && !_failureReported)
            {
                listenerException = _call.RaiseAttemptFailed(new HttpErrorEvent(error, _call, attempt.Number, timings));
            }
        }

        var endFailure = PublishEnd(BodyEnd.Failed, listenerException ?? error);
        return listenerException ?? endFailure ?? error;
    }

    private Exception? OnChunk(int count, ReadOnlyMemory<byte> chunk)
    {
        var loaded = _loaded += count;
        _call.OnBodyBytes(loaded);

        // Every read path passes the chunk's own count of bytes, or none when no listener wants them; a call without any
        // listener raises nothing per chunk.
        if (Attempt is { } attempt && _call.MayRaiseBodyChunk
            && _call.RaiseBodyChunk(ProgressAt(loaded, attempt.Number), chunk) is { } failure)
        {
            return FailByListener(failure);
        }

        // The Content-Length-th byte ends the body: no further read is needed (principle 3).
        return loaded >= Total ? Complete() : null;
    }

    private Exception? Complete()
    {
        // Marked decided before the call decides, under its lock, between this end and an abort: Abort() reads the mark
        // there. Decided complete, nothing but this reader closes the body; refused, the body closes as aborted.
        if (Interlocked.CompareExchange(ref _state, Decided, Open) != Open)
        {
            return null;
        }

        if (!_call.TryDecideBodyEnd(this))
        {
            Volatile.Write(ref _state, Open);
            return CloseAborted();
        }

        // Stryker disable once Statement : releases the linked read source only (a resource, not behaviour)
        DisposeReadCancellation();
        DisposeIdleClock();
        Exception? failure = null;
        if (Attempt is { } attempt)
        {
            attempt.EndTimings();
            failure = _call.RaiseBodyDone(attempt.Number, FinalProgress(attempt.Number));
        }

        var endFailure = PublishEnd(failure is null ? BodyEnd.Complete : BodyEnd.ListenerFault, failure);
        return failure ?? endFailure;
    }

}
