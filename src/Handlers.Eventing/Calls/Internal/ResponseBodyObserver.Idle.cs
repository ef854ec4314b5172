namespace Handlers.Eventing.Internal;

// The idle clock of the body (ResponseBodyOptions.IdleTimeout, HttpCall.BodyIdleTimeout): one timer per body, created at the
// first read that needs it, armed while the caller waits for a read and disarmed when the read returns. When it fires first,
// the pending read is cancelled and fails with HttpBodyIdleTimeoutException, a transport failure of the attempt.
//
// IdleClock.State: 0 = no read waits, 1 = a read waits (armed), 2 = the timer fired and the stall won. A read that ends moves
// 1 → 0; the timer moves 1 → 2; whichever moves first decides, also when bytes arrive as the timer fires.
internal sealed partial class ResponseBodyObserver
{
    private const int IdleOff = 0;
    private const int IdleWaiting = 1;
    private const int IdleFired = 2;

    private static readonly TimerCallback s_onIdle = static state => ((ResponseBodyObserver)state!).OnIdle();

    private IdleClock? _idle; // made at the first read with an idle timeout: a body without one pays for this reference only

    /// <summary>Gets a value indicating whether the body has an idle clock (an idle timeout was on at a read).</summary>
    public bool HasIdleClock => Volatile.Read(ref _idle)?.Timer is not null;

    /// <summary>Gets a value indicating whether the idle clock fired and the stall won the pending read.</summary>
    private bool IdleClockFired => Volatile.Read(ref _idle) is { } idle && Volatile.Read(ref idle.State) == IdleFired;

    /// <summary>Gets the stall the idle clock decided, when it fired.</summary>
    private HttpBodyIdleTimeoutException? Stall => IdleClockFired ? _idle!.Stall : null;

    /// <summary>
    /// Arms the idle clock for a read that starts waiting, when the call has an idle timeout: at the start of a read or a copy,
    /// and in a copy when a chunk was passed on to the destination (the copy reads again).
    /// </summary>
    public void StartIdleClock()
    {
        var timeout = _call.EffectiveBodyIdleTimeout;
        // Stryker disable once Logical : the mutant arms a clock with an infinite timeout (it never fires: a timer more) or on a closed body (CreateIdleTimer releases it at once)
        if (timeout == Timeout.InfiniteTimeSpan || Volatile.Read(ref _state) != Open)
        {
            return;
        }

        var idle = Volatile.Read(ref _idle) ?? CreateIdleClock();
        var timer = Volatile.Read(ref idle.Timer) ?? CreateIdleTimer(idle);
        idle.Timeout = timeout;
        Volatile.Write(ref idle.State, IdleWaiting);
        timer.Change(timeout, Timeout.InfiniteTimeSpan);
    }

    /// <summary>
    /// Disarms the idle clock when a read stops waiting. Returns the stall when the timer fired first: the read must fail with
    /// it, whatever it returned.
    /// </summary>
    private HttpBodyIdleTimeoutException? StopIdleClock()
    {
        if (Volatile.Read(ref _idle) is not { } idle || Volatile.Read(ref idle.Timer) is not { } timer)
        {
            return null;
        }

        var state = Interlocked.CompareExchange(ref idle.State, IdleOff, IdleWaiting);
        if (state == IdleFired)
        {
            return idle.Stall;
        }

        if (state == IdleWaiting)
        {
            // Not equivalent, but only a race tells (a surviving mutant): a timer left armed fires into a clock with no read waiting
            // (nothing happens) or is re-armed by the next read; only a fire between the next read's state write and its re-arm would
            // stall it early, a window no deterministic test reaches (a fake clock re-arms atomically).
            timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }

        return null;
    }

    /// <summary>Resets the idle clock's decision (a resume starts a new wait for the next source's bytes).</summary>
    private void ResetIdleClock()
    {
        if (Volatile.Read(ref _idle) is { } idle)
        {
            Volatile.Write(ref idle.State, IdleOff);
            idle.Stall = null;
        }
    }

    private IdleClock CreateIdleClock()
    {
        // Reads come one at a time: only the reader makes the clock.
        var idle = new IdleClock();
        Volatile.Write(ref _idle, idle);
        return idle;
    }

    private ITimer CreateIdleTimer(IdleClock idle)
    {
        // The timer must not capture the reader's execution context (the attempt's timer, a listener's async locals).
        ITimer timer;
        using (ExecutionContext.SuppressFlow())
        {
            timer = _call.Options.TimeProvider.CreateTimer(s_onIdle, this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }

        if (Interlocked.CompareExchange(ref idle.Timer, timer, null) is { } existing)
        {
            // Stryker disable once Statement : reads come one at a time, so two timers are never created for one body
            timer.Dispose();
            return existing;
        }

        // A body that closed meanwhile released nothing of it: release it now.
        if (Volatile.Read(ref _state) != Open)
        {
            DisposeIdleClock();
        }

        return timer;
    }

    private void OnIdle()
    {
        var idle = _idle!;
        var stall = new HttpBodyIdleTimeoutException(idle.Timeout, Interlocked.Read(ref _loaded));
        Volatile.Write(ref idle.Stall, stall);
        if (Interlocked.CompareExchange(ref idle.State, IdleFired, IdleWaiting) != IdleWaiting)
        {
            return;
        }

        // The pending read waits on the token ReadToken gave it; one published later is cancelled by ReadToken itself.
        try
        {
            Volatile.Read(ref _readCancellation)?.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The body closed meanwhile.
        }
    }

    private void DisposeIdleClock()
    {
        if (Volatile.Read(ref _idle) is { } idle)
        {
            Interlocked.Exchange(ref idle.Timer, null)?.Dispose();
        }
    }

    /// <summary>The idle clock's state: its timer, who decided the pending read (see the states above), and the stall.</summary>
    private sealed class IdleClock
    {
        public ITimer? Timer;
        public int State;
        public TimeSpan Timeout;
        public HttpBodyIdleTimeoutException? Stall;
    }
}
