namespace Handlers.Eventing.Internal;

// The attempt's timer on the flow: current from the attempt's start, so that the transport's events reach it; off the flow
// while the call's listeners run, so that work a listener starts never does.
internal sealed partial class AttemptTimer
{
    private static readonly AsyncLocal<AttemptTimer?> CurrentTimer = new();

    /// <summary>Gets the timer of the attempt whose flow is running, if any.</summary>
    internal static AttemptTimer? Current => CurrentTimer.Value;

    /// <summary>
    /// Starts timing an attempt: makes sure the runtime's events are listened to, records the start and makes the timer
    /// current on this flow, so that the transport's events reach it.
    /// </summary>
    /// <returns>The attempt's timer.</returns>
    public static AttemptTimer Start()
    {
        TimingsListenerHost.Acquire();
        var timer = new AttemptTimer(CurrentTimer.Value);
        CurrentTimer.Value = timer;
        return timer;
    }

    /// <summary>
    /// Makes the timer that was current before <see cref="Start"/> current again on this flow. Call it in a <c>finally</c>
    /// on the synchronous <c>Send</c> path, after the transport returned; an <see langword="async"/> caller needs not.
    /// </summary>
    public void RestoreFlow()
    {
        if (ReferenceEquals(CurrentTimer.Value, this))
        {
            CurrentTimer.Value = _previous;
        }
    }

    /// <summary>
    /// Takes the attempt's timer off this flow while a call's listeners run, so that work a listener starts (another HTTP
    /// call, a task) is never credited to the attempt: the transport's events of that work find no timer. Takes the caller's
    /// <see cref="HttpCall.Observe"/> scopes off it too, so that a call a listener starts is not configured by them. Pass the
    /// result to <see cref="ResumeFlow"/> in a <c>finally</c>.
    /// </summary>
    /// <returns>The flow to put back, or <see langword="null"/> when neither is on the flow (then nothing is allocated).</returns>
    public static object? SuspendFlow()
    {
        var timer = CurrentTimer.Value;
        var scopes = ObserveScope.OnFlow;
        if (timer is null && scopes is null)
        {
            return null;
        }

        // Restoring the captured context also undoes whatever else a listener left on the flow; with flow suppressed there is
        // no context to capture, and the timer and the scopes are put back one by one.
        var context = ExecutionContext.Capture();
        if (timer is not null)
        {
            CurrentTimer.Value = null;
        }

        if (scopes is not null)
        {
            ObserveScope.HideFromFlow();
        }

        return (object?)context ?? (scopes is null ? timer : timer is null ? scopes : new SuppressedFlow(timer, scopes));
    }

    /// <summary>Puts back the flow <see cref="SuspendFlow"/> took the timer (and the scopes) off.</summary>
    /// <param name="flow">What <see cref="SuspendFlow"/> returned.</param>
    public static void ResumeFlow(object? flow)
    {
        if (flow is ExecutionContext context)
        {
            ExecutionContext.Restore(context);
        }
        else if (flow is AttemptTimer timer)
        {
            CurrentTimer.Value = timer;
        }
        else if (flow is ObserveScope scopes)
        {
            ObserveScope.PutBack(scopes);
        }
        else if (flow is SuppressedFlow both)
        {
            CurrentTimer.Value = both.Timer;
            ObserveScope.PutBack(both.Scopes);
        }
    }

    /// <summary>Both things <see cref="SuspendFlow"/> took off a flow whose context does not flow (nothing to capture).</summary>
    private sealed class SuppressedFlow(AttemptTimer timer, ObserveScope scopes)
    {
        public AttemptTimer Timer { get; } = timer;

        public ObserveScope Scopes { get; } = scopes;
    }
}
