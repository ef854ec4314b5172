namespace Handlers.Eventing.Internal;

/// <summary>
/// The library's own observer of one call (lifecycle logging, telemetry). It is not a listener: <c>Listeners</c>,
/// <c>ListenerCount</c>, <c>EventNames</c> and <c>RemoveAllListeners</c> on the call never show or remove it.
/// </summary>
/// <remarks>
/// <para>
/// The call invokes its observers one at a time, in the call's event order, under the same serialization as its listeners
/// (never concurrently, also under hedging), and before the listeners of the matching event. An observer must not throw:
/// an exception from it is reported as a listener exception and never fails the call.
/// </para>
/// <para>
/// Observers are created when the call starts (<see cref="ICallObserverFactory"/>); a factory that is not interested returns
/// <see langword="null"/> and nothing is allocated.
/// </para>
/// </remarks>
internal abstract class CallObserver
{
    /// <summary>An attempt after the first was decided (before the <see cref="HttpEvents.Retry"/> listeners).</summary>
    public virtual void OnRetry(HttpRetryEvent retry)
    {
    }

    /// <summary>An attempt's response headers arrived (before the <see cref="HttpEvents.HttpHeaders"/> listeners).</summary>
    public virtual void OnHeaders(HttpHeadersEvent headers)
    {
    }

    /// <summary>An attempt failed in the transport (before the <see cref="HttpEvents.HttpError"/> listeners).</summary>
    public virtual void OnAttemptFailed(HttpErrorEvent error)
    {
    }

    /// <summary>
    /// The body of attempt <paramref name="attempt"/> was received to its end (before the <see cref="HttpEvents.HttpDone"/>
    /// listeners of that attempt). Not raised for a body that failed or was abandoned.
    /// </summary>
    public virtual void OnBodyEnded(HttpCallResponse response, int attempt)
    {
    }

    /// <summary>
    /// An attempt ended: its response body closed (complete, failed, abandoned or aborted), or its send failed. Raised once
    /// per attempt, before the call's end when it is the returned attempt.
    /// </summary>
    public virtual void OnAttemptEnded(AttemptEnd end)
    {
    }

    /// <summary>
    /// The call ended: <paramref name="response"/> is final (<see cref="HttpCallResponse.Error"/> set on error). Raised once,
    /// before the <see cref="HttpEvents.Success"/> / <see cref="HttpEvents.Error"/> listeners.
    /// </summary>
    public virtual void OnCallEnded(HttpCallResponse response)
    {
    }

    /// <summary>A listener exception of <paramref name="call"/> was isolated or suppressed (reported, not thrown).</summary>
    public virtual void OnListenerException(HttpCall call, EventKey eventKey, Exception exception)
    {
    }
}
