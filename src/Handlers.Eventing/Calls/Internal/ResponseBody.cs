namespace Handlers.Eventing.Internal;

/// <summary>
/// Observes one response body as its reader pulls it through <see cref="ObservedContent"/>: raises the per-attempt events
/// (<see cref="HttpEvents.HttpDownloadProgress"/>, <see cref="HttpEvents.HttpData"/>, <see cref="HttpEvents.HttpDone"/>,
/// <see cref="HttpEvents.HttpError"/>) when it has an attempt, and ends the call when it is the call's final body.
/// </summary>
/// <remarks>
/// The body closes exactly once: at its end, on a failure, on disposal before the end, or on abort. Reads are expected one
/// at a time (a stream's contract); <see cref="Abort"/> may come from any thread.
/// </remarks>
internal sealed class ResponseBody
{
    private readonly HttpCall _call;
    private readonly HttpContent _inner;
    private readonly int _attempt;
    private long _loaded;
    private int _endsCall;
    private int _closed;
    private int _reading;
    private int _aborted;
    private int _outcomeSet;
    private Exception? _outcome;
    private Exception? _thrown;
    private Stream? _stream;

    /// <param name="call">The call.</param>
    /// <param name="inner">The observed content; disposed on abort to unblock a pending read.</param>
    /// <param name="total">The body length the reader sees, if known.</param>
    /// <param name="attempt">The attempt whose events this body raises, or 0 for a body that only ends the call.</param>
    /// <param name="endsCall">Whether the end of this body ends the call.</param>
    public ResponseBody(HttpCall call, HttpContent inner, long? total, int attempt, bool endsCall)
    {
        _call = call;
        _inner = inner;
        Total = total;
        _attempt = attempt;
        _endsCall = endsCall ? 1 : 0;
    }

    public HttpCall Call => _call;

    public long? Total { get; }

    /// <summary>Gets a value indicating whether a listener wants the chunk bytes (not just their count).</summary>
    public bool WantsChunks => _attempt > 0 && _call.HasListeners(HttpEvents.HttpData);

    /// <summary>Records the stream the reader reads from, so that <see cref="Abort"/> can dispose it.</summary>
    public void SetStream(Stream stream) => Volatile.Write(ref _stream, stream);

    /// <summary>Starts a read or a copy; throws when the body was aborted or faulted by a listener.</summary>
    public void EnterRead()
    {
        ThrowIfFaulted();
        // Plain volatile writes on the per-chunk path: Abort() pays for the ordering instead (see Abort).
        Volatile.Write(ref _reading, 1);
    }

    /// <summary>
    /// Throws the exception the body closed with (abort, listener exception, failure), so that opening the body after it
    /// ended that way throws the call's error rather than whatever the disposed inner content throws.
    /// </summary>
    /// <remarks>An abort that is still closing the body (its exception not recorded yet) throws the abort exception.</remarks>
    public void ThrowIfFaulted()
    {
        if (Volatile.Read(ref _closed) == 0)
        {
            return;
        }

        if (ClosedError is { } thrown)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(thrown);
        }
    }

    /// <summary>
    /// Records a failed read or copy (<see cref="OnFailure"/>) and throws what it must throw instead of
    /// <paramref name="exception"/>; returns when that is <paramref name="exception"/> itself, for the caller's <c>throw;</c>.
    /// </summary>
    public void ThrowFailure(Exception exception)
    {
        var toThrow = OnFailure(exception);
        if (!ReferenceEquals(toThrow, exception))
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(toThrow);
        }
    }

    /// <summary>
    /// Completes a read that returned <paramref name="count"/> bytes (0 at the end); <paramref name="chunk"/> holds them when
    /// a listener wants the bytes, and may be empty otherwise. Throws a listener's exception or the abort exception.
    /// </summary>
    public void OnRead(int count, ReadOnlyMemory<byte> chunk)
    {
        Exception? toThrow = null;
        if (Volatile.Read(ref _closed) == 0 && Volatile.Read(ref _aborted) == 0)
        {
            toThrow = count > 0 ? OnChunk(count, chunk) : OnEnd();
        }

        Volatile.Write(ref _reading, 0);
        if (toThrow is null && Volatile.Read(ref _aborted) != 0)
        {
            toThrow = CloseAborted();
        }

        if (toThrow is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(toThrow);
        }
    }

    /// <summary>Completes a copy that ran to its end.</summary>
    public void OnCopied() => OnRead(0, default);

    /// <summary>
    /// Records a failed read: raises <see cref="HttpEvents.HttpError"/> for a transport failure (not for cancellation or
    /// abort) and ends the call. Returns the exception the read must throw.
    /// </summary>
    private Exception OnFailure(Exception exception)
    {
        Volatile.Write(ref _reading, 0);
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return ClosedError ?? exception;
        }

        Exception error;
        Exception? listenerException = null;
        if (Volatile.Read(ref _aborted) != 0)
        {
            error = _call.AbortException!;
        }
        else
        {
            error = exception;
            if (_attempt > 0 && exception is not OperationCanceledException)
            {
                listenerException = _call.RaiseAttemptEvent(HttpEvents.HttpError, new HttpErrorEvent(exception, _call, _attempt));
            }
        }

        var endFailure = Close(listenerException ?? error);
        var result = listenerException ?? endFailure ?? error;
        _thrown = result;
        return result;
    }

    /// <summary>Records the disposal of the content or stream: before the end, the caller abandoned the body.</summary>
    /// <returns>A listener exception to throw from the disposal, or <see langword="null"/>.</returns>
    public Exception? OnDisposed()
    {
        if (Volatile.Read(ref _closed) != 0)
        {
            return null;
        }

        if (Total == 0 && _loaded == 0)
        {
            // Nothing was left to read: the body is complete.
            return OnEnd();
        }

        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return null;
        }

        var total = Total is { } known ? known.ToString(System.Globalization.CultureInfo.InvariantCulture) : "an unknown number of";
        var abandoned = new HttpCallAbandonedException(
            $"The response body was disposed after {_loaded} of {total} bytes, before it was read to the end. " +
            "Read the body to its end (or use the default HttpCompletionOption.ResponseContentRead) to end the call in success.");
        var result = Close(abandoned);
        _thrown = result ?? abandoned;
        return result;
    }

    /// <summary>Aborts the body: ends the call now when no read is pending, otherwise unblocks the pending read, which ends it.</summary>
    public Exception? Abort()
    {
        Interlocked.Exchange(ref _aborted, 1);

        // An asymmetric Dekker: readers write _reading then read _aborted with plain volatile accesses (no fence per chunk);
        // the rare abort flushes every core's store buffer before it reads _reading, so at least one side sees the other.
        // Both may act; closing is arbitrated by _closed.
        Interlocked.MemoryBarrierProcessWide();
        if (Volatile.Read(ref _reading) == 0)
        {
            var result = CloseAborted();
            DisposeInner();
            return result is null || ReferenceEquals(result, _call.AbortException) ? null : result;
        }

        DisposeInner();
        return null;
    }

    /// <summary>Makes this body the call's final one (the outermost handler returns it); ends the call if it already closed.</summary>
    public Exception? EndCall()
    {
        Interlocked.Exchange(ref _endsCall, 1);
        return Volatile.Read(ref _outcomeSet) != 0 ? EndCallWith(_outcome) : null;
    }

    /// <summary>
    /// Faults the body because a listener threw (in a chunk event, or in <see cref="HttpEvents.HttpHeaders"/> before the body
    /// was read): it closes without <see cref="HttpEvents.HttpDone"/>, whatever its length, and ends the call with the
    /// listener's exception. Returns that exception, for the operation that raised the event to throw.
    /// </summary>
    public Exception FailByListener(Exception listenerException)
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return listenerException;
        }

        var endFailure = Close(listenerException);
        if (endFailure is not null && !ReferenceEquals(endFailure, listenerException))
        {
            _call.ReportSuppressed(HttpEvents.Complete, endFailure);
        }

        _thrown = listenerException;
        DisposeInner();
        return listenerException;
    }

    /// <summary>Gets the exception a closed body throws: what it closed with, or the abort exception while an abort is closing it.</summary>
    private Exception? ClosedError => _thrown ?? (Volatile.Read(ref _aborted) != 0 ? _call.AbortException : null);

    private Exception? OnChunk(int count, ReadOnlyMemory<byte> chunk)
    {
        var loaded = _loaded += count;
        _call.Response.BytesReceived = loaded;
        if (_attempt == 0)
        {
            return null;
        }

        var failure = _call.RaiseAttemptEvent(HttpEvents.HttpDownloadProgress, new HttpProgress(loaded, Total, _attempt));
        if (chunk.Length == count)
        {
            var dataFailure = _call.RaiseAttemptEvent(HttpEvents.HttpData, new HttpDataEvent(chunk, _call, _attempt));
            failure ??= dataFailure;
        }

        return failure is null ? null : FailByListener(failure);
    }

    private Exception? OnEnd()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return null;
        }

        Exception? failure = null;
        if (_attempt > 0)
        {
            if (_loaded == 0)
            {
                // An empty body still reports its progress once: 0 of 0 (or of unknown).
                failure = _call.RaiseAttemptEvent(HttpEvents.HttpDownloadProgress, new HttpProgress(0, Total, _attempt));
            }

            if (failure is null)
            {
                failure = _call.RaiseAttemptEvent(HttpEvents.HttpDone, _call.Response);
            }
        }

        var result = Close(failure) ?? failure;
        _thrown = result;
        return result;
    }

    private Exception? CloseAborted()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return null;
        }

        var aborted = _call.AbortException!;
        var result = Close(aborted) ?? aborted;
        _thrown = result;
        return result;
    }

    /// <summary>
    /// Closes with <paramref name="error"/>, or as complete when it is <see langword="null"/> (the whole body arrived), and
    /// ends the call when this is its final body. Returns a listener exception of the call's end, if any.
    /// </summary>
    private Exception? Close(Exception? error)
    {
        Volatile.Write(ref _outcome, error);
        Interlocked.Exchange(ref _outcomeSet, 1);
        return Volatile.Read(ref _endsCall) != 0 ? EndCallWith(error) : null;
    }

    /// <summary>A complete body ends the call with its status error (none for a success status); a failed one with its error.</summary>
    private Exception? EndCallWith(Exception? error) => _call.End(error ?? _call.CompletedBodyError);

    private void DisposeInner()
    {
        try
        {
            Volatile.Read(ref _stream)?.Dispose();
            _inner.Dispose();
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException)
        {
            // Best effort: disposal only unblocks a pending read.
        }
    }
}
