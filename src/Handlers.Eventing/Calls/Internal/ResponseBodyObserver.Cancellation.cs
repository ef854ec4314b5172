namespace Handlers.Eventing.Internal;

// Cancelling and aborting a body read: the token a read passes to the transport (Abort() cancels it), the synchronous read
// waited on that token, the abort itself (closing now, or leaving the closing to a pending read's reader), and releasing
// the content — never under a pending read.
internal sealed partial class ResponseBodyObserver
{
    /// <summary>
    /// Returns the token to pass to the inner read: the caller's, linked with one that <see cref="Abort"/> cancels, so that a
    /// pending read ends at once rather than after the transport's drain timeout. HttpClient's buffering reads with the token
    /// the call was sent with, whose linked source the call already has; otherwise one source per body and caller token.
    /// </summary>
    public CancellationToken ReadToken(CancellationToken callerToken)
    {
        // Stryker disable once Block : a closed body reaches the inner read only after a success (every other end throws first), where a linked token changes nothing but allocates
        if (Volatile.Read(ref _state) != Open)
        {
            return callerToken;
        }

        // The call's send token is cancelled by Abort() but not by the idle clock, which cancels the body's own source.
        // Stryker disable once Block : a per-body source linked to the send token is cancelled by Abort() as the call's own is: only an allocation more
        if (!HasIdleClock && _call.TryGetSendToken(callerToken, out var sendToken))
        {
            return sendToken;
        }

        var source = _readCancellation;
        if (source is null || callerToken != _readCancellationFor)
        {
            source = callerToken.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(callerToken) : new CancellationTokenSource();
            _readCancellationFor = callerToken;
            // Published with a full fence, then the abort and the idle clock are read: both write their state, then read the source.
            var previous = Interlocked.Exchange(ref _readCancellation, source);
            // Stryker disable once Statement : releases the previous linked source only (a resource, not behaviour)
            previous?.Dispose();
            if (Volatile.Read(ref _aborted) != 0 || IdleClockFired)
            {
                source.Cancel();
            }
        }

        return source.Token;
    }

    /// <summary>
    /// Reads synchronously from <paramref name="source"/> so that <see cref="Abort"/> ends a read blocked in the transport at
    /// once: the read is the asynchronous one, with the token <see cref="ReadToken"/> gives, waited for on this thread. (A
    /// transport's synchronous read takes no token, and disposing its stream only starts a drain, which waits up to
    /// <see cref="SocketsHttpHandler.ResponseDrainTimeout"/> for bytes a stalled server never sends.) Nothing is allocated when
    /// the data is already there.
    /// </summary>
    public int ReadBlocking(Stream source, Memory<byte> buffer, CancellationToken callerToken)
    {
        var pending = source.ReadAsync(buffer, ReadToken(callerToken));
        return pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult();
    }

    /// <summary>
    /// Aborts the body: closes it and releases the content now when no read is pending; otherwise cancels the pending read,
    /// whose reader closes the body and releases the content once its read ended. The transport's stream is never disposed
    /// under a pending read: SocketsHttpHandler then drains the connection beside the cancelled read, and may pool it half read.
    /// </summary>
    /// <returns>A listener exception of the call's end to throw from <see cref="HttpCall.Abort"/>, or <see langword="null"/>.</returns>
    public Exception? Abort()
    {
        Interlocked.Exchange(ref _aborted, 1);

        // An asymmetric Dekker: readers write _reading then read _aborted with plain volatile accesses (no fence per chunk);
        // the rare abort flushes every core's store buffer before it reads _reading, so at least one side sees the other.
        // Both may act; closing is arbitrated by _state.
        Interlocked.MemoryBarrierProcessWide();
        Exception? result = null;
        if (Volatile.Read(ref _reading) == 0)
        {
            result = CloseAborted();
            if (ReferenceEquals(result, _call.AbortException))
            {
                result = null;
            }
        }

        try
        {
            Volatile.Read(ref _readCancellation)?.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The read ended meanwhile and released its source.
        }

        return result;
    }

    /// <summary>Returns a cancellation by the caller's token as the caller would have seen it: carrying that token.</summary>
    private Exception AsCallerSawIt(Exception exception, CancellationToken callerToken)
    {
        if (exception is OperationCanceledException canceled && callerToken.IsCancellationRequested
            && Volatile.Read(ref _aborted) == 0 && canceled.CancellationToken != callerToken)
        {
            return canceled is TaskCanceledException
                ? new TaskCanceledException(canceled.Message, canceled.InnerException, callerToken)
                : new OperationCanceledException(canceled.Message, canceled.InnerException, callerToken);
        }

        return exception;
    }

    private Exception? CloseAborted()
    {
        if (!TryClaimClose())
        {
            return null;
        }

        var aborted = _call.AbortException!;
        DisposeIdleClock();
        Attempt?.EndTimings();
        DisposeInner();
        return PublishEnd(BodyEnd.Failed, aborted) ?? aborted;
    }

    // Stryker disable once Block : releases the linked read source only (a resource, not behaviour)
    private void DisposeReadCancellation()
    {
        if (Interlocked.Exchange(ref _readCancellation, null) is { } source)
        {
            source.Dispose();
        }
    }

    private void DisposeInner() => _source.Release();
}
