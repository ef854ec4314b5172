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

    // The end, published once: _closed is claimed by the one path that closes the body, _thrown is what it closed with;
    // _aborted is written by Abort() from any thread.
    private int _closed;
    private int _aborted;
    private Exception? _thrown;

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

    /// <summary>Gets or sets how the body closed, as the call recorded it (under the call's lock).</summary>
    public BodyEnd? ReportedEnd { get; set; }

    /// <summary>Gets or sets the error the body closed with, as the call recorded it.</summary>
    public Exception? ReportedError { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether the call decided that the body ended complete (its last byte delivered), under
    /// the call's lock (<see cref="HttpCall.TryDecideBodyEnd"/>): an abort from then on changes nothing.
    /// </summary>
    public bool EndDecided { get; set; }

    /// <summary>Gets a value indicating whether a listener wants the chunk bytes (not just their count).</summary>
    // Stryker disable once Logical : without a data listener the sync span read only copies through the scratch array: the same bytes, one copy more
    public bool WantsChunks => Attempt is not null && _call.HasListeners(HttpEvents.HttpData);

    /// <summary>Starts a read or a copy; throws when the body was aborted or faulted by a listener.</summary>
    public void EnterRead()
    {
        // Written before the abort is read, with plain volatile accesses on the per-read path: Abort() pays for the ordering
        // instead (see Abort). An abort that saw this read coming left the closing to it.
        Volatile.Write(ref _reading, 1);
        if (Volatile.Read(ref _aborted) != 0 && Volatile.Read(ref _closed) == 0 && CloseAborted() is { } aborted)
        {
            Volatile.Write(ref _reading, 0);
            Fault.Rethrow(aborted);
        }

        if (Volatile.Read(ref _closed) != 0 && ClosedError is { } thrown)
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
        if (Volatile.Read(ref _closed) != 0 && ClosedError is { } thrown)
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
        if (Volatile.Read(ref _closed) == 0 && Volatile.Read(ref _aborted) == 0)
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
        if (Volatile.Read(ref _closed) != 0 || Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return null;
        }

        var total = Total is { } known ? known.ToString(CultureInfo.InvariantCulture) : "an unknown number of";
        var abandoned = new HttpCallAbandonedException(
            $"The response body was disposed after {_loaded} of {total} bytes, before it was read to the end. " +
            "Read the body to its end (or use the default HttpCompletionOption.ResponseContentRead) to end the call in success.");
        _thrown = abandoned;
        // Stryker disable once Statement : releases the linked read source only (a resource, not behaviour)
        DisposeReadCancellation();
        DisposeIdleClock();
        Attempt?.EndTimings();
        return _call.OnBodyClosed(this, BodyEnd.Abandoned, abandoned);
    }

    /// <summary>
    /// Faults the body because a listener threw (in a chunk event, or in <see cref="HttpEvents.HttpHeaders"/> before the body
    /// was read): it closes without <see cref="HttpEvents.HttpDone"/>, and the call ends with the listener's exception.
    /// Returns that exception, for the operation that raised the event to throw.
    /// </summary>
    public Exception FailByListener(Exception listenerException)
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return listenerException;
        }

        _thrown = listenerException;
        DisposeIdleClock();
        Attempt?.EndTimings();
        if (_call.OnBodyClosed(this, BodyEnd.ListenerFault, listenerException) is { } endFailure
            && !ReferenceEquals(endFailure, listenerException))
        {
            _call.ReportSuppressed(HttpEvents.Complete, endFailure);
        }

        DisposeInner();
        return listenerException;
    }

    /// <summary>Gets the exception a closed body throws: what it closed with, or the abort exception while an abort is closing it.</summary>
    private Exception? ClosedError => _thrown ?? (Volatile.Read(ref _aborted) != 0 ? _call.AbortException : null);

    /// <summary>
    /// Records a failed read: raises <see cref="HttpEvents.HttpError"/> for a transport failure (not for cancellation or
    /// abort) and reports the failure. Returns the exception the read must throw.
    /// </summary>
    private Exception OnFailure(Exception exception)
    {
        // Stryker disable once Statement : the body closes below (or was closed): _reading only decides whether Abort closes the body, and closing a closed body is a no-op
        Volatile.Write(ref _reading, 0);
        var stall = StopIdleClock();
        if (Interlocked.Exchange(ref _closed, 1) != 0)
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

        var endFailure = _call.OnBodyClosed(this, BodyEnd.Failed, listenerException ?? error);
        var result = listenerException ?? endFailure ?? error;
        _thrown = result;
        return result;
    }

    private Exception? OnChunk(int count, ReadOnlyMemory<byte> chunk)
    {
        var loaded = _loaded += count;
        _call.OnBodyBytes(loaded);

        // Every read path passes the chunk's own count of bytes, or none when no listener wants them.
        if (Attempt is { } attempt && _call.RaiseBodyChunk(ProgressAt(loaded, attempt.Number), chunk) is { } failure)
        {
            return FailByListener(failure);
        }

        // The Content-Length-th byte ends the body: no further read is needed (principle 3).
        return loaded >= Total ? Complete() : null;
    }

    private Exception? Complete()
    {
        if (Volatile.Read(ref _closed) != 0)
        {
            return null;
        }

        // The call decides between this end and an abort, once. Decided complete, nothing but this reader closes the body.
        if (!_call.TryDecideBodyEnd(this))
        {
            return CloseAborted();
        }

        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return null;
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

        var endFailure = _call.OnBodyClosed(this, failure is null ? BodyEnd.Complete : BodyEnd.ListenerFault, failure);
        var result = failure ?? endFailure;
        _thrown = result;
        return result;
    }

}
