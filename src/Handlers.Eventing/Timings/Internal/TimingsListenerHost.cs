using System.Diagnostics;

namespace Handlers.Eventing.Internal;

/// <summary>
/// Owns the process's one <see cref="TimingsEventListener"/>: created by the first attempt that collects timings, kept while
/// attempts that collect timings run and for <see cref="Linger"/> after the last one ended, then disposed (which disables the
/// runtime's events again). Nothing here runs, and no EventSource is enabled, while no client collects timings.
/// </summary>
internal static class TimingsListenerHost
{
    private static readonly Lock Gate = new();
    private static TimingsEventListener? s_listener;
    private static Timer? s_idleTimer;
    private static int s_active;
    private static long s_lastEnd;

    /// <summary>
    /// Gets how long the listener stays enabled after the last timed attempt ended: two minutes, twice
    /// <c>SocketsHttpHandler.PooledConnectionIdleTimeout</c>'s default, so that the connections it saw opened are closed
    /// (by default) before it forgets them, and sequential timed calls do not enable and disable the EventSources each time.
    /// </summary>
    internal static TimeSpan Linger { get; } = TimeSpan.FromMinutes(2);

    /// <summary>Gets a value indicating whether the listener is enabled now.</summary>
    internal static bool IsListening
    {
        get
        {
            lock (Gate)
            {
                return s_listener is not null;
            }
        }
    }

    /// <summary>Gets the listener, or <see langword="null"/> when none is enabled (tests).</summary>
    internal static TimingsEventListener? Listener
    {
        get
        {
            lock (Gate)
            {
                return s_listener;
            }
        }
    }

    /// <summary>Counts a timed attempt in, enabling the listener if it is not.</summary>
    internal static void Acquire()
    {
        lock (Gate)
        {
            s_active++;
            if (s_listener is null)
            {
                // Neither the listener nor the idle timer may capture the flow of the attempt that happens to create them.
                using (ExecutionContext.SuppressFlow())
                {
                    s_listener = new TimingsEventListener();
                    s_idleTimer = new Timer(static _ => StopIfIdle(force: false), null, Linger, Linger);
                }
            }
        }
    }

    /// <summary>Counts a timed attempt out (<see cref="AttemptTimer.OnEnd"/>).</summary>
    internal static void Release()
    {
        lock (Gate)
        {
            s_active--;
            s_lastEnd = Stopwatch.GetTimestamp();
        }
    }

    /// <summary>Disables the listener now if no timed attempt runs, whatever the linger (tests).</summary>
    /// <returns>Whether no listener is enabled afterwards.</returns>
    internal static bool TryStopNow() => StopIfIdle(force: true);

    private static bool StopIfIdle(bool force)
    {
        TimingsEventListener? listener;
        Timer? timer;
        lock (Gate)
        {
            if (s_listener is null)
            {
                return true;
            }

            if (s_active > 0 || (!force && Stopwatch.GetElapsedTime(s_lastEnd) < Linger))
            {
                return false;
            }

            listener = s_listener;
            timer = s_idleTimer;
            s_listener = null;
            s_idleTimer = null;
        }

        timer?.Dispose();
        listener.Dispose();
        return true;
    }
}
