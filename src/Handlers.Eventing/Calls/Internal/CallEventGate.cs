namespace Handlers.Eventing.Internal;

/// <summary>
/// Raises a call's events one at a time. While one attempt runs at a time, every event comes from one logical flow (the
/// sender's, then the reader's), and the gate costs two plain writes and a read. When an attempt starts while another one is
/// still sending (hedging), the gate switches for good to a lock, after waiting for an event that is being raised without it.
/// </summary>
/// <remarks>
/// The switch is an asymmetric Dekker: a raise writes its depth, then reads the mode; the switch writes the mode, flushes
/// every core's store buffer (<see cref="Interlocked.MemoryBarrierProcessWide"/>), then reads the depth. At least one side sees
/// the other, so no raise runs unlocked once the switch returned. The switch must not be made from inside a listener of the
/// same call on the same thread (it would wait for itself); attempts start from handlers, never from listeners.
/// </remarks>
internal struct CallEventGate
{
    private volatile int _unlockedDepth;
    private volatile bool _locking;
    private Lock? _lock;

    /// <summary>Enters the gate; pass the result to <see cref="Exit"/>.</summary>
    public bool Enter()
    {
        if (!_locking)
        {
            _unlockedDepth++;
            if (!_locking)
            {
                return false;
            }

            // Reached only when UseLock runs between this raise's two reads of the mode: a race that no test forces without a
            // hook in the gate, which every event would pay for (a NoCoverage mutant, left as one).
            _unlockedDepth--;
        }

        _lock!.Enter();
        return true;
    }

    /// <summary>Leaves the gate entered by <see cref="Enter"/>.</summary>
    public void Exit(bool locked)
    {
        if (locked)
        {
            _lock!.Exit();
        }
        else
        {
            _unlockedDepth--;
        }
    }

    /// <summary>Switches to the lock for good (attempts overlap), once no event is being raised without it.</summary>
    public void UseLock()
    {
        // Stryker disable once Statement : a second switch finds the lock made and no raise without it: it would only repeat the barrier
        if (_locking)
        {
            return;
        }

        Interlocked.CompareExchange(ref _lock, new Lock(), null);
        _locking = true;
        // Orders the mode's write before the depth's read on every core (see the remarks); removing it shows only as a store-buffer
        // reordering under a race, which no test on x64 provokes: a surviving mutant, not an equivalent one.
        Interlocked.MemoryBarrierProcessWide();
        var spinner = default(SpinWait);
        while (_unlockedDepth != 0)
        {
            // Stryker disable once Statement : only yields while an unlocked raise finishes; the loop ends the same without it
            spinner.SpinOnce();
        }
    }
}
