using Handlers.Eventing.Internal;

namespace Handlers.Eventing;

// Abort (AWS abort()): ends the call at once, before the send, during it, or while its body is read — and changes nothing
// once the returned body has ended. The send's linked token source is what cancels an attempt in flight.
public sealed partial class HttpCall
{
    /// <summary>
    /// Aborts the call (AWS <c>abort()</c>): it ends in <see cref="HttpEvents.Error"/> with an
    /// <see cref="OperationCanceledException"/> that says it was aborted, then <see cref="HttpEvents.Complete"/>.
    /// </summary>
    /// <remarks>
    /// Before the call is sent, it ends at once and a later send throws that exception. While waiting for the headers or
    /// reading the body, the pending send or read throws it at once, whatever remains of the body. Once the returned body
    /// delivered its last byte (also from inside an <see cref="HttpEvents.HttpDone"/> listener), or after the call ended, nothing
    /// happens: the outcome is decided. Never blocks. A listener exception of the call's end is thrown from here when the
    /// abort ended it.
    /// </remarks>
    public void Abort()
    {
        if (Phase >= CallPhase.Ended)
        {
            return;
        }

        var abort = new OperationCanceledException(
            $"The HTTP call {Request.Method} {Request.RequestUri} was aborted by HttpCall.Abort().");
        ResponseBodyObserver? returned;
        Registration[]? endListeners = null;
        lock (SyncRoot)
        {
            // Once the returned body has delivered its last byte the outcome is decided (TryDecideBodyEnd): the abort changes
            // nothing, also from inside httpDone. Decided under the same lock, so exactly one of the two wins.
            if (Phase >= CallPhase.Ended || _returned is { IsEndDecided: true } || _abortException is not null)
            {
                return;
            }

            // A full fence before the source is read below: TryStart publishes the source, then reads the abort (a Dekker pair).
            Interlocked.Exchange(ref _abortException, abort);
            returned = _returned;
            if (Phase == CallPhase.Created)
            {
                // Not sent: the call ends now, claimed in the same lock section, so that no handler starts it meanwhile.
                endListeners = ClaimEnd(abort);
            }
        }

        if (endListeners is not null)
        {
            Fault.ThrowIfAny(RaiseEnd(abort, endListeners));
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
        Fault.ThrowIfAny(returned?.Abort());
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
}
