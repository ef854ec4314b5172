using Handlers.Eventing.Internal;

namespace Handlers.Eventing;

// Removing listeners: Off (the most recently added match) and RemoveAllListeners, with Node's removeListener notifications.
public partial class EventEmitter
{
    /// <summary>
    /// Removes the most recently added registration of <paramref name="listener"/> (matched with
    /// <see cref="Delegate.Equals(object)"/>, once-registrations by their original delegate). Node's <c>removeListener</c>.
    /// </summary>
    /// <typeparam name="TArgs">The event's argument type.</typeparam>
    /// <param name="eventKey">The event.</param>
    /// <param name="listener">The listener to remove. Removing a listener that is not registered does nothing.</param>
    /// <returns>This emitter, for chaining.</returns>
    /// <remarks>An emit already in progress still calls the removed listener; the next emit does not.</remarks>
    /// <exception cref="ArgumentNullException"><paramref name="eventKey"/> or <paramref name="listener"/> is <see langword="null"/>.</exception>
    public EventEmitter Off<TArgs>(EventKey<TArgs> eventKey, Action<TArgs> listener)
    {
        ArgumentNullException.ThrowIfNull(eventKey);
        ArgumentNullException.ThrowIfNull(listener);

        Registration? removed = null;
        lock (_gate)
        {
            var set = FindSet(eventKey);
            if (set is not null)
            {
                var items = set.Items;
                for (var i = items.Length - 1; i >= 0; i--)
                {
                    if (items[i].Listener.Equals(listener))
                    {
                        removed = items[i];
                        RemoveAtLocked(set, i);
                        break;
                    }
                }
            }
        }

        if (removed is not null)
        {
            RaiseRemoved(eventKey, removed.Listener);
        }

        return this;
    }

    /// <summary>
    /// Removes every listener of every event, key by key in first-registration order, raising
    /// <see cref="RemoveListenerEvent"/> for each; the listeners of <see cref="RemoveListenerEvent"/> itself go last.
    /// </summary>
    /// <returns>This emitter, for chaining.</returns>
    public EventEmitter RemoveAllListeners()
    {
        if (!HasListeners(RemoveListenerEvent))
        {
            lock (_gate)
            {
                _sets = [];
            }

            return this;
        }

        var sets = _sets;
        foreach (var set in sets)
        {
            if (!ReferenceEquals(set.Key, RemoveListenerEvent))
            {
                RemoveAllListeners(set.Key);
            }
        }

        RemoveAllListeners(RemoveListenerEvent);
        lock (_gate)
        {
            _sets = [];
        }

        return this;
    }

    /// <summary>
    /// Removes every listener of one event, the most recently added first, raising <see cref="RemoveListenerEvent"/> for each.
    /// </summary>
    /// <param name="eventKey">The event.</param>
    /// <returns>This emitter, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="eventKey"/> is <see langword="null"/>.</exception>
    public EventEmitter RemoveAllListeners(EventKey eventKey)
    {
        ArgumentNullException.ThrowIfNull(eventKey);

        if (!HasListeners(RemoveListenerEvent))
        {
            lock (_gate)
            {
                var set = FindSet(eventKey);
                if (set is not null)
                {
                    RemoveSetLocked(set);
                }
            }

            return this;
        }

        var snapshot = FindSet(eventKey)?.Items ?? [];
        for (var i = snapshot.Length - 1; i >= 0; i--)
        {
            var registration = snapshot[i];
            if (TryRemove(eventKey, registration))
            {
                RaiseRemoved(eventKey, registration.Listener);
            }
        }

        return this;
    }
}
