namespace Handlers.Eventing.Internal;

// The idle clock of the body (ResponseBodyOptions.IdleTimeout, HttpCall.BodyIdleTimeout): one timer per body, created at the
// first read that needs it, armed while the caller waits for a read and disarmed when the read returns. When it fires first,
// the pending read is cancelled and fails with HttpBodyIdleTimeoutException, a transport failure of the attempt.
//
// _idleState: 0 = no read waits, 1 = a read waits (armed), 2 = the timer fired and the stall won. A read that ends moves
// 1 → 0; the timer moves 1 → 2; whichever moves first decides, also when bytes arrive as the timer fires.
internal sealed partial class ResponseBodyObserver
{
    private const int IdleOff = 0;
    private const int IdleWaiting = 1;
    private const int IdleFired = 2;

    private static readonly TimerCallback s_onIdle = static state => ((ResponseBodyObserver)state!).OnIdle();

    private ITimer? _idleTimer;
    private int _idleState;
    private TimeSpan _idleTimeout;
    private HttpBodyIdleTimeoutException? _stall;

    /// <summary>Gets a value indicating whether the body has an idle clock (an idle timeout was on at a read).</summary>
    public bool HasIdleClock => Volatile.Read(ref _idleTimer) is not null;

    /// <summary>
    /// Arms the idle clock for a read that starts waiting, when the call has an idle timeout: at the start of a read or a copy,
    /// and in a copy when a chunk was passed on to the destination (the copy reads again).
    /// </summary>
    public void StartIdleClock()
    {
        var timeout = _call.EffectiveBodyIdleTimeout;
        if (timeout == Timeout.InfiniteTimeSpan || Volatile.Read(ref _state) != Open)
        {
            return;
        }

        var timer = Volatile.Read(ref _idleTimer) ?? CreateIdleTimer();
        _idleTimeout = timeout;
        Volatile.Write(ref _idleState, IdleWaiting);
        timer.Change(timeout, Timeout.InfiniteTimeSpan);
    }

    /// <summary>
    /// Disarms the idle clock when a read stops waiting. Returns the stall when the timer fired first: the read must fail with
    /// it, whatever it returned.
    /// </summary>
    private HttpBodyIdleTimeoutException? StopIdleClock()
    {
        if (Volatile.Read(ref _idleTimer) is not { } timer)
        {
            return null;
        }

        var state = Interlocked.CompareExchange(ref _idleState, IdleOff, IdleWaiting);
        if (state == IdleFired)
        {
            return _stall;
        }

        if (state == IdleWaiting)
        {
            timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }

        return null;
    }

    private ITimer CreateIdleTimer()
    {
        // The timer must not capture the reader's execution context (the attempt's timer, a listener's async locals).
        ITimer timer;
        using (ExecutionContext.SuppressFlow())
        {
            timer = _call.Options.TimeProvider.CreateTimer(s_onIdle, this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }

        if (Interlocked.CompareExchange(ref _idleTimer, timer, null) is { } existing)
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
        var stall = new HttpBodyIdleTimeoutException(_idleTimeout, Interlocked.Read(ref _loaded));
        Volatile.Write(ref _stall, stall);
        if (Interlocked.CompareExchange(ref _idleState, IdleFired, IdleWaiting) != IdleWaiting)
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

    private void DisposeIdleClock() => Interlocked.Exchange(ref _idleTimer, null)?.Dispose();
}
