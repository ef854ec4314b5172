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
    /// call, a task) is never credited to the attempt: the transport's events of that work find no timer. Pass the result to
    /// <see cref="ResumeFlow"/> in a <c>finally</c>.
    /// </summary>
    /// <returns>The flow to put back, or <see langword="null"/> when no timer is current (then nothing is allocated).</returns>
    public static object? SuspendFlow()
    {
        var timer = CurrentTimer.Value;
        if (timer is null)
        {
            return null;
        }

        // Restoring the captured context also undoes whatever else a listener left on the flow; with flow suppressed there is
        // no context to capture, and the timer itself is put back.
        object flow = ExecutionContext.Capture() ?? (object)timer;
        CurrentTimer.Value = null;
        return flow;
    }

    /// <summary>Puts back the flow <see cref="SuspendFlow"/> took the timer off.</summary>
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
    }
}
