using System.Net;
using Handlers.Eventing.Internal;

namespace Handlers.Eventing;

// The call's attempts: each one's start (numbered, a retry or a hedge, its retry event), what it reports (headers, failure,
// end of its send, timings, body bytes) and a retry strategy's announcements, recorded in one ledger under the call's lock.
public sealed partial class HttpCall
{
    private AttemptLedger _attempts;

    /// <summary>
    /// Starts an attempt: numbers it, raises <see cref="HttpEvents.Retry"/> for every attempt after the first (unless a retry
    /// strategy announced it, <see cref="ReportAttemptDecided"/>), and wraps its request content for upload progress.
    /// </summary>
    /// <returns>The attempt, or <see langword="null"/> when the call already ended (a handler re-sent its request after the end).</returns>
    internal CallAttempt? BeginAttempt(HttpRequestMessage request)
    {
        AttemptStart start;
        lock (SyncRoot)
        {
            if (Phase >= CallPhase.Ended)
            {
                return null;
            }

            start = _attempts.Start();
        }

        if (start.NeedsLock)
        {
            _gate.UseLock();
        }

        var number = start.Number;
        Response.RetryCount = number - 1;
        var attempt = new CallAttempt(this, request, number);
        var failure = start.AnnounceFault;
        if (number > 1 && !start.Announced)
        {
            failure = start.Overlaps
                ? RaiseRetry(new HttpRetryEvent(this, number, HttpAttemptKind.Hedge, delay: null, previousError: null, previousStatusCode: null))
                : RaiseRetry(new HttpRetryEvent(this, number, HttpAttemptKind.Retry, delay: null, start.PreviousError, start.PreviousStatus));
        }

        if (failure is not null)
        {
            // A retry listener threw: the attempt fails before it is sent, with the listener's own exception.
            OnAttemptFailed(bytesSent: 0, failure);
            OnAttemptSendEnded(failed: true);
            Fault.Rethrow(failure);
        }

        attempt.AcceptDecodedCodings();
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
        if (AnnounceAttempt(kind, delay, previousError, previousStatusCode) is { } failure)
        {
            lock (SyncRoot)
            {
                _attempts.SetAnnounceFault(failure);
            }
        }
    }

    /// <summary>
    /// Records the decision of the next attempt in the ledger (so that its start raises no second <see cref="HttpEvents.Retry"/>)
    /// and raises <see cref="HttpEvents.Retry"/>. Returns a listener exception of that event, or <see langword="null"/>.
    /// </summary>
    private Exception? AnnounceAttempt(HttpAttemptKind kind, TimeSpan? delay, Exception? previousError, HttpStatusCode? previousStatusCode)
    {
        int number;
        lock (SyncRoot)
        {
            if (Phase >= CallPhase.Ended)
            {
                return null;
            }

            number = _attempts.Announce(ref kind, ref previousError, ref previousStatusCode);
        }

        if (kind == HttpAttemptKind.Hedge)
        {
            _gate.UseLock();
        }

        return RaiseRetry(new HttpRetryEvent(this, number, kind, delay, previousError, previousStatusCode));
    }

    /// <summary>Records that an attempt's response headers arrived: its send ended.</summary>
    internal void OnAttemptHeaders(in AttemptReport report)
    {
        bool returned;
        lock (SyncRoot)
        {
            _attempts.OnHeaders(report);
            returned = _returnedAttempt != 0;
        }

        if (!returned)
        {
            // The running view of the response (AWS fills it in as the call runs), until OnResponse sets the returned attempt's:
            // a hedged attempt that answers after the winner does not overwrite it.
            Response.HttpResponse = report.Response;
            Response.StatusCode = report.Response.StatusCode;
            Response.Attempt = report.Number;
            Response.SetHeaders(report.HeadersTimestamp);
        }
    }

    /// <summary>
    /// Records that an attempt's send ended, after its last event of the send (<see cref="HttpEvents.HttpHeaders"/>, or
    /// <see cref="HttpEvents.HttpError"/> when it failed): an attempt starting from now on does not run beside it. A failed
    /// send was the attempt's last event; an answered one lives on in its body (<see cref="OnBodyClosed"/>).
    /// </summary>
    internal void OnAttemptSendEnded(bool failed)
    {
        lock (SyncRoot)
        {
            _attempts.OnSendEnded(failed);
        }
    }

    /// <summary>
    /// Records an attempt's final timings: they become <see cref="HttpCallResponse.Timings"/> when it is the attempt the call
    /// returned, or while no attempt was returned yet.
    /// </summary>
    internal void OnAttemptTimings(int attempt, HttpTimings timings)
    {
        int returned;
        lock (SyncRoot)
        {
            _attempts.OnTimings(attempt, timings);
            returned = _returnedAttempt;
        }

        if (returned == 0 || returned == attempt)
        {
            Response.Timings = timings;
        }
    }

    /// <summary>Records the bytes of the body delivered so far, as the caller received them.</summary>
    internal void OnBodyBytes(long loaded) => Response.BytesReceived = loaded;

    /// <summary>
    /// Records the bytes of an attempt's body when it closed — the wire bytes of the response it returned (or will), for the
    /// lifecycle line — and reports the attempt's end to the observers (per-attempt body sizes).
    /// </summary>
    private void OnAttemptBodyClosed(CallAttempt attempt, ResponseBodyObserver body, Exception? error)
    {
        if (attempt.Number == Response.Attempt)
        {
            Response.SetWire(body.Decodes ? body.WireBytes : null, body.DecodedBelow);
        }

        NotifyAttemptEnded(
            HttpEvents.HttpDone, new AttemptEnd(attempt.Number, attempt.StatusCode, attempt.RequestBodyBytes, body.SourceWireBytes, error, attempt.ResponseVersion));
    }

    /// <summary>Records that an attempt's send failed.</summary>
    internal void OnAttemptFailed(long bytesSent, Exception exception)
    {
        lock (SyncRoot)
        {
            _attempts.OnFailed(exception);
        }

        Response.CountedBytesSent = bytesSent;
    }
}
