using System.Diagnostics;
using System.Runtime.CompilerServices;
using Handlers.Eventing.Internal;

namespace Handlers.Eventing;

// The storage and the extension points derived types in this assembly build on (closing keys, checking an Emit).
public partial class EventEmitter
{
    /// <summary>
    /// Called by <see cref="Emit"/> before it raises <paramref name="eventKey"/>, on an emitter made with <c>checksEmit</c>: a
    /// derived type throws here for a key that only it raises.
    /// </summary>
    private protected virtual void OnEmit(EventKey eventKey)
    {
    }

    /// <summary>Gets the lock that guards every registration change; derived types take it to close keys atomically.</summary>
    private protected Lock SyncRoot => _gate;

    /// <summary>Gets a value indicating whether any event may have a listener: <see langword="false"/> lets a raise be skipped with one read.</summary>
    private protected bool MayHaveListeners => _sets.Length != 0;

    /// <summary>
    /// Tells, under <see cref="SyncRoot"/>, whether <paramref name="key"/> will never be raised again, so that a listener
    /// added now is handed to <see cref="OnListenerAddedAfterClose"/> instead of being stored.
    /// </summary>
    private protected virtual bool IsClosed(EventKey key) => false;

    /// <summary>Receives, outside the lock, a listener added to a closed key (on-finished's late subscription).</summary>
    private protected virtual void OnListenerAddedAfterClose(EventKey key, Delegate listener)
    {
    }

    /// <summary>Receives the exceptions of an emit that continues past throwing listeners, after the first one.</summary>
    private protected virtual void OnSuppressedListenerException(EventKey key, Exception exception)
    {
    }

    /// <summary>
    /// Starts placing new listeners before the ones already registered, in their own registration order (a prepend
    /// region), until <see cref="EndFrontInsertion"/>. <see cref="HttpCall"/> uses it for client-level listeners.
    /// </summary>
    private protected void BeginFrontInsertion()
    {
        lock (_gate)
        {
            _frontInsertion = true;
        }
    }

    /// <summary>Ends the prepend region started by <see cref="BeginFrontInsertion"/>.</summary>
    private protected void EndFrontInsertion()
    {
        lock (_gate)
        {
            _frontInsertion = false;
            foreach (var set in _sets)
            {
                set.FrontCount = 0;
            }
        }
    }

    /// <summary>Returns the current listeners of <paramref name="key"/>; call under <see cref="SyncRoot"/> to pair it with a state change.</summary>
    private protected Registration[] GetRegistrations(EventKey key) => FindSet(key)?.Items ?? [];

    /// <summary>
    /// Raises an event like <see cref="Emit{TArgs}"/> but runs every listener even when one throws; the first exception
    /// is returned in <paramref name="firstError"/> and the others go to <see cref="OnSuppressedListenerException"/>.
    /// </summary>
    private protected bool EmitAll<TArgs>(EventKey<TArgs> eventKey, in TArgs args, ref Exception? firstError)
    {
        var items = FindSet(eventKey)?.Items;
        if (items is null || items.Length == 0)
        {
            return false;
        }

        InvokeAll(eventKey, items, args, ref firstError);
        return true;
    }

    /// <summary>Invokes a snapshot of registrations, continuing past throwing listeners (see <see cref="EmitAll{TArgs}"/>).</summary>
    private protected void InvokeAll<TArgs>(EventKey<TArgs> eventKey, Registration[] items, in TArgs args, ref Exception? firstError)
    {
        for (var i = 0; i < items.Length; i++)
        {
            try
            {
                Invoke(eventKey, items[i], args);
            }
            catch (Exception ex)
            {
                if (firstError is null)
                {
                    firstError = ex;
                }
                else
                {
                    OnSuppressedListenerException(eventKey, ex);
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Invoke<TArgs>(EventKey<TArgs> eventKey, Registration registration, in TArgs args)
    {
        // The once path is a call of its own, which keeps the inlined steady path (plain listeners) short.
        if (registration.Once && !ClaimOnce(eventKey, registration))
        {
            return;
        }

        // The typed registration methods guarantee every listener of an EventKey<TArgs> is an Action<TArgs>.
        Unsafe.As<Action<TArgs>>(registration.Listener)(args);
    }

    /// <summary>Claims a once-registration and removes it; <see langword="false"/> when another emit claimed it first.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool ClaimOnce(EventKey eventKey, Registration registration)
    {
        if (!registration.TryClaim())
        {
            return false;
        }

        // Node: a once-listener is removed, then invoked; a re-entrant emit cannot claim it again.
        if (TryRemove(eventKey, registration))
        {
            RaiseRemoved(eventKey, registration.Listener);
        }

        return true;
    }

    private bool EmitError(Exception exception)
    {
        // Node: the monitor sees the error first, whether or not anyone handles it.
        Emit(ErrorMonitor, exception);

        var items = FindSet(ErrorEvent)?.Items;
        if (items is null || items.Length == 0)
        {
            if (exception is null)
            {
                throw new InvalidOperationException(
                    "The error event was emitted with a null exception and has no listener. Emit an exception object, or add an ErrorEvent listener.");
            }

            Fault.Rethrow(exception);
        }

        for (var i = 0; i < items.Length; i++)
        {
            Invoke(ErrorEvent, items[i], exception);
        }

        return true;
    }

    private void AddListener(EventKey eventKey, Delegate listener, bool once, bool prepend)
    {
        ArgumentNullException.ThrowIfNull(eventKey);
        ArgumentNullException.ThrowIfNull(listener);

        bool closed;
        lock (_gate)
        {
            closed = IsClosed(eventKey);
        }

        if (!closed && HasListeners(NewListenerEvent))
        {
            // Raised before adding: a listener its handlers add to the same key lands before this one (Node).
            Emit(NewListenerEvent, new ListenerChange(eventKey, listener));
        }

        MaxListenersExceededWarning? warning = null;
        if (!closed)
        {
            lock (_gate)
            {
                closed = IsClosed(eventKey);
                if (!closed)
                {
                    warning = AddLocked(eventKey, new Registration(listener, once), prepend);
                }
            }
        }

        if (closed)
        {
            OnListenerAddedAfterClose(eventKey, listener);
            return;
        }

        if (warning is not null)
        {
            RaiseWarning(warning);
        }
    }

    private MaxListenersExceededWarning? AddLocked(EventKey eventKey, Registration registration, bool prepend)
    {
        var set = FindSet(eventKey);
        if (set is null)
        {
            set = new ListenerSet(eventKey);
            var sets = _sets;
            var grown = new ListenerSet[sets.Length + 1];
            Array.Copy(sets, grown, sets.Length);
            grown[^1] = set;
            _sets = grown;
        }

        var items = set.Items;
        var next = new Registration[items.Length + 1];
        if (_frontInsertion)
        {
            var index = prepend ? 0 : Math.Min(set.FrontCount, items.Length);
            set.FrontCount++;
            Array.Copy(items, 0, next, 0, index);
            next[index] = registration;
            Array.Copy(items, index, next, index + 1, items.Length - index);
        }
        else if (prepend)
        {
            Array.Copy(items, 0, next, 1, items.Length);
            next[0] = registration;
        }
        else
        {
            Array.Copy(items, next, items.Length);
            next[^1] = registration;
        }

        set.Items = next;

        var max = MaxListeners;
        if (max > 0 && next.Length > max && !set.Warned)
        {
            set.Warned = true;
            return new MaxListenersExceededWarning(this, eventKey, next.Length, max);
        }

        return null;
    }

    private bool TryRemove(EventKey eventKey, Registration registration)
    {
        lock (_gate)
        {
            var set = FindSet(eventKey);
            if (set is null)
            {
                return false;
            }

            var index = Array.IndexOf(set.Items, registration);
            if (index < 0)
            {
                return false;
            }

            RemoveAtLocked(set, index);
            return true;
        }
    }

    private void RemoveAtLocked(ListenerSet set, int index)
    {
        var items = set.Items;
        if (items.Length == 1)
        {
            RemoveSetLocked(set);
            return;
        }

        var next = new Registration[items.Length - 1];
        Array.Copy(items, 0, next, 0, index);
        Array.Copy(items, index + 1, next, index, items.Length - index - 1);
        set.Items = next;
    }

    private void RemoveSetLocked(ListenerSet set)
    {
        // An emptied key disappears (Node deletes it): it leaves EventNames and may warn again when it grows back.
        set.Items = [];
        var sets = _sets;
        var index = Array.IndexOf(sets, set);
        if (index < 0)
        {
            return;
        }

        var next = new ListenerSet[sets.Length - 1];
        Array.Copy(sets, 0, next, 0, index);
        Array.Copy(sets, index + 1, next, index, sets.Length - index - 1);
        _sets = next;
    }

    private void RaiseRemoved(EventKey eventKey, Delegate listener)
    {
        if (HasListeners(RemoveListenerEvent))
        {
            Emit(RemoveListenerEvent, new ListenerChange(eventKey, listener));
        }
    }

    private bool HasListeners(EventKey eventKey) => FindSet(eventKey)?.Items.Length > 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ListenerSet? FindSet(EventKey eventKey)
    {
        var sets = _sets;
        for (var i = 0; i < sets.Length; i++)
        {
            if (ReferenceEquals(sets[i].Key, eventKey))
            {
                return sets[i];
            }
        }

        return null;
    }

    private static void RaiseWarning(MaxListenersExceededWarning warning)
    {
        var handlers = MaxListenersExceeded;
        if (handlers is null)
        {
            Debug.WriteLine(warning.Message);
            return;
        }

        handlers(warning);
    }
}
