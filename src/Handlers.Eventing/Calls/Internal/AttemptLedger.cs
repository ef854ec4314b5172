using System.Net;

namespace Handlers.Eventing.Internal;

/// <summary>
/// The attempts of one call as the call records them: their numbers in start order, which ones still send or can still
/// raise events (so that a hedge is told from a retry, and the event gate locks when two attempts could meet), the outcome of
/// the latest one (the next <see cref="HttpRetryEvent"/> describes it), and the attempts a retry strategy announced before
/// they started (<see cref="HttpCall.ReportAttemptDecided"/>).
/// </summary>
/// <remarks>A mutable struct held by the call, read and written only under the call's lock.</remarks>
internal struct AttemptLedger
{
    private int _started;          // attempts started, the latest one's number
    private int _sending;          // attempts from their start until their response was handed up or their send failed
    private int _open;             // attempts from their start until their last event: a failed send, or their body closed
    private AttemptReport _latest;            // the latest attempt whose headers arrived
    private Retries? _retries;                // what only a retried, hedged or failed call needs: allocated only then

    /// <summary>The latest attempt's status, when its headers arrived after every failed send.</summary>
    private readonly HttpStatusCode? LastStatus => _retries?.LastError is null ? _latest.Response?.StatusCode : null;

    /// <summary>Gets the number of attempts started.</summary>
    public readonly int Started => _started;

    /// <summary>Records the start of the next attempt.</summary>
    public AttemptStart Start()
    {
        var number = ++_started;
        var overlaps = _sending > 0;
        _sending++;

        // An earlier attempt that can still raise events (its body is open, or it is raising its last event) means events of
        // two attempts could meet: the gate takes its lock from now on. A retry after a closed body needs none.
        var needsLock = overlaps || _open > 0;
        _open++;
        var announced = _retries is { } retries && number <= retries.AnnouncedThrough;
        Exception? announceFault = null;
        if (announced)
        {
            announceFault = _retries!.AnnounceFault;
            _retries.AnnounceFault = null;
        }

        return new AttemptStart(number, overlaps, needsLock, announced, announceFault, LastStatus, _retries?.LastError);
    }

    /// <summary>
    /// Records that a retry strategy decided the next attempt, and returns its number. A hedge decided while no attempt
    /// sends (a hedging strategy reacting to an attempt that already ended, a fast 503) is a retry of that outcome.
    /// </summary>
    public int Announce(ref HttpAttemptKind kind, ref Exception? previousError, ref HttpStatusCode? previousStatusCode)
    {
        var retries = _retries ??= new Retries();
        var number = Math.Max(_started, retries.AnnouncedThrough) + 1;
        retries.AnnouncedThrough = number;
        if (kind == HttpAttemptKind.Hedge && _sending == 0)
        {
            kind = HttpAttemptKind.Retry;
            previousError = retries.LastError;
            previousStatusCode = LastStatus;
        }

        return number;
    }

    /// <summary>Records a listener exception of an announcement: the announced attempt throws it when it starts.</summary>
    public void SetAnnounceFault(Exception fault) => (_retries ??= new Retries()).AnnounceFault ??= fault;

    /// <summary>Records that an attempt's response headers arrived, with what the call shows of it once it is returned.</summary>
    public void OnHeaders(in AttemptReport report)
    {
        if (_retries is { } retries)
        {
            retries.LastError = null;
        }

        if (_latest.Response is not null)
        {
            ((_retries ??= new Retries()).Earlier ??= []).Add(_latest);
        }

        _latest = report;
    }

    /// <summary>Finds the report of the attempt whose headers brought <paramref name="response"/>.</summary>
    public readonly bool TryFind(HttpResponseMessage response, out AttemptReport report)
    {
        if (ReferenceEquals(_latest.Response, response))
        {
            report = _latest;
            return true;
        }

        if (_retries?.Earlier is { } earlier)
        {
            for (var i = earlier.Count - 1; i >= 0; i--)
            {
                if (ReferenceEquals(earlier[i].Response, response))
                {
                    report = earlier[i];
                    return true;
                }
            }
        }

        report = default;
        return false;
    }

    /// <summary>Records an attempt's final timings in its report (its body ended, or was disposed before it was returned).</summary>
    public void OnTimings(int attempt, HttpTimings timings)
    {
        if (_latest.Number == attempt)
        {
            _latest = _latest with { Timings = timings };
            return;
        }

        if (_retries?.Earlier is { } earlier)
        {
            for (var i = 0; i < earlier.Count; i++)
            {
                if (earlier[i].Number == attempt)
                {
                    earlier[i] = earlier[i] with { Timings = timings };
                    return;
                }
            }
        }
    }

    /// <summary>Records that an attempt's send failed.</summary>
    public void OnFailed(Exception exception) => (_retries ??= new Retries()).LastError = exception;

    /// <summary>Records that an attempt's send ended after its last event of the send; a failed send was its last event.</summary>
    public void OnSendEnded(bool failed)
    {
        _sending--;
        if (failed)
        {
            _open--;
        }
    }

    /// <summary>Records that an answered attempt's body closed: it raises nothing more.</summary>
    public void OnBodyClosed() => _open--;

    /// <summary>The part of the ledger that only a call with more than one attempt, an announcement or a failed send needs.</summary>
    private sealed class Retries
    {
        public int AnnouncedThrough;            // the highest number a retry strategy announced
        public Exception? LastError;            // the latest attempt's failure, when its send failed after every headers
        public Exception? AnnounceFault;        // a listener exception of an announcement, thrown by the announced attempt
        public List<AttemptReport>? Earlier;    // the reports before the latest (retries, hedges)
    }
}

/// <summary>What the ledger recorded of an attempt's start.</summary>
/// <param name="Number">The attempt's number, from 1.</param>
/// <param name="Overlaps">Whether another attempt was still sending: a hedge.</param>
/// <param name="NeedsLock">Whether an earlier attempt can still raise events: the event gate must lock.</param>
/// <param name="Announced">Whether a retry strategy announced it (its retry event was raised already).</param>
/// <param name="AnnounceFault">A listener exception of its announcement, which its start throws.</param>
/// <param name="PreviousStatus">The latest attempt's status, when its headers arrived.</param>
/// <param name="PreviousError">The latest attempt's failure, when its send failed.</param>
internal readonly record struct AttemptStart(
    int Number, bool Overlaps, bool NeedsLock, bool Announced, Exception? AnnounceFault, HttpStatusCode? PreviousStatus, Exception? PreviousError);

/// <summary>What an attempt reported at its headers, as values: what the call shows once it returns that attempt's response.</summary>
/// <param name="Response">The attempt's response.</param>
/// <param name="Number">The attempt's number.</param>
/// <param name="HeadersTimestamp">When its headers arrived.</param>
/// <param name="BytesSent">The request body bytes it counted (upload progress listened), else 0.</param>
/// <param name="Timings">Its latest timings, when collected: at its headers, then final once its body ended.</param>
internal readonly record struct AttemptReport(HttpResponseMessage Response, int Number, long HeadersTimestamp, long BytesSent, HttpTimings? Timings);
