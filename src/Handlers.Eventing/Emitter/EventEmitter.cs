using Handlers.Eventing.Internal;

namespace Handlers.Eventing;

/// <summary>
/// Registers listeners for typed events and raises them with the semantics of Node's <c>EventEmitter</c>:
/// listeners run synchronously in registration order, <see cref="Emit{TArgs}"/> iterates a snapshot, once-listeners are
/// removed before they run, and <see cref="NewListenerEvent"/> / <see cref="RemoveListenerEvent"/> report changes.
/// </summary>
/// <remarks>
/// <para>
/// Every member is thread-safe. Registration methods take a private lock; <see cref="Emit{TArgs}"/> reads a
/// copy-on-write array without a lock and allocates nothing unless a once-listener has to be removed.
/// </para>
/// <para>
/// A listener that throws stops the emit: the exception propagates out of <see cref="Emit{TArgs}"/> unchanged and the
/// listeners after it do not run (Node's rule). Derived types may apply other rules: <c>HttpCall</c> does.
/// </para>
/// </remarks>
public partial class EventEmitter
{
    private static int s_defaultMaxListeners = 10;

    private readonly Lock _gate = new();
    private volatile ListenerSet[] _sets = [];
    private int _maxListeners = -1;
    private bool _frontInsertion;
    private readonly bool _checksEmit;

    /// <summary>Initializes a new emitter with no listeners.</summary>
    public EventEmitter()
    {
    }

    /// <summary>Initializes an emitter whose <see cref="Emit"/> asks <see cref="OnEmit"/> first (a type that raises some keys itself).</summary>
    private protected EventEmitter(bool checksEmit) => _checksEmit = checksEmit;

    /// <summary>Raised when an event gets more listeners than the emitter's <see cref="MaxListeners"/>.</summary>
    /// <remarks>
    /// Raised synchronously inside the registration call that crossed the limit, at most once per event key while that
    /// key keeps listeners; the listener is added all the same. Handlers must not throw.
    /// </remarks>
    public static event Action<MaxListenersExceededWarning>? MaxListenersExceeded;

    /// <summary>Gets or sets the number of listeners per event above which new emitters warn.</summary>
    /// <value>The default is 10. 0 means unlimited. Emitters that never set <see cref="MaxListeners"/> follow changes.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public static int DefaultMaxListeners
    {
        get => Volatile.Read(ref s_defaultMaxListeners);
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            Volatile.Write(ref s_defaultMaxListeners, value);
        }
    }

    /// <summary>Gets the key of the event raised before a listener is added, with the key and the listener.</summary>
    /// <remarks>A listener that its handler adds to the same key lands before the one being added (Node's rule).</remarks>
    public static EventKey<ListenerChange> NewListenerEvent { get; } = new("newListener");

    /// <summary>Gets the key of the event raised after a listener is removed, with the key and the original listener.</summary>
    public static EventKey<ListenerChange> RemoveListenerEvent { get; } = new("removeListener");

    /// <summary>Gets the key of the special error event.</summary>
    /// <remarks>Emitting it with no listener throws the exception itself (the same object).</remarks>
    public static EventKey<Exception> ErrorEvent { get; } = new("error");

    /// <summary>Gets a key whose listeners see every <see cref="ErrorEvent"/> before its own listeners, without handling it.</summary>
    public static EventKey<Exception> ErrorMonitor { get; } = new("errorMonitor");

    /// <summary>Gets or sets the number of listeners per event above which this emitter warns.</summary>
    /// <value>The value of <see cref="DefaultMaxListeners"/> until set. 0 means unlimited.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public int MaxListeners
    {
        get
        {
            var value = Volatile.Read(ref _maxListeners);
            return value < 0 ? DefaultMaxListeners : value;
        }

        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            Volatile.Write(ref _maxListeners, value);
        }
    }

    /// <summary>Adds a listener at the end of the event's listeners. The same delegate added twice runs twice.</summary>
    /// <typeparam name="TArgs">The event's argument type.</typeparam>
    /// <param name="eventKey">The event.</param>
    /// <param name="listener">The listener.</param>
    /// <returns>This emitter, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="eventKey"/> or <paramref name="listener"/> is <see langword="null"/>.</exception>
    public EventEmitter On<TArgs>(EventKey<TArgs> eventKey, Action<TArgs> listener)
    {
        AddListener(eventKey, listener, once: false, prepend: false);
        return this;
    }

    /// <summary>Adds a listener that is removed, then invoked, the next time the event is raised.</summary>
    /// <typeparam name="TArgs">The event's argument type.</typeparam>
    /// <param name="eventKey">The event.</param>
    /// <param name="listener">The listener.</param>
    /// <returns>This emitter, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="eventKey"/> or <paramref name="listener"/> is <see langword="null"/>.</exception>
    public EventEmitter Once<TArgs>(EventKey<TArgs> eventKey, Action<TArgs> listener)
    {
        AddListener(eventKey, listener, once: true, prepend: false);
        return this;
    }

    /// <summary>Adds a listener at the beginning of the event's listeners.</summary>
    /// <typeparam name="TArgs">The event's argument type.</typeparam>
    /// <param name="eventKey">The event.</param>
    /// <param name="listener">The listener.</param>
    /// <returns>This emitter, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="eventKey"/> or <paramref name="listener"/> is <see langword="null"/>.</exception>
    public EventEmitter PrependListener<TArgs>(EventKey<TArgs> eventKey, Action<TArgs> listener)
    {
        AddListener(eventKey, listener, once: false, prepend: true);
        return this;
    }

    /// <summary>Adds a once-listener at the beginning of the event's listeners.</summary>
    /// <typeparam name="TArgs">The event's argument type.</typeparam>
    /// <param name="eventKey">The event.</param>
    /// <param name="listener">The listener.</param>
    /// <returns>This emitter, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="eventKey"/> or <paramref name="listener"/> is <see langword="null"/>.</exception>
    public EventEmitter PrependOnceListener<TArgs>(EventKey<TArgs> eventKey, Action<TArgs> listener)
    {
        AddListener(eventKey, listener, once: true, prepend: true);
        return this;
    }

    /// <summary>
    /// Calls each listener of the event synchronously, in registration order, with <paramref name="args"/>.
    /// </summary>
    /// <typeparam name="TArgs">The event's argument type.</typeparam>
    /// <param name="eventKey">The event.</param>
    /// <param name="args">The value passed to every listener.</param>
    /// <returns><see langword="true"/> if the event had listeners; otherwise <see langword="false"/>.</returns>
    /// <remarks>
    /// The listeners are a snapshot taken when the emit starts: one removed meanwhile still runs in this emit, one added
    /// meanwhile waits for the next. A listener that throws ends the emit with its exception. Emitting
    /// <see cref="ErrorEvent"/> runs <see cref="ErrorMonitor"/> listeners first, then throws the exception when the
    /// error event has no listener.
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="eventKey"/> is <see langword="null"/>.</exception>
    public bool Emit<TArgs>(EventKey<TArgs> eventKey, TArgs args)
    {
        ArgumentNullException.ThrowIfNull(eventKey);

        // The type test is folded by the JIT, so other instantiations carry no error branch. Taking args by reference
        // here (Unsafe.As(ref args)) would force args to the stack on every emit.
        if (typeof(TArgs) == typeof(Exception) && ReferenceEquals(eventKey, ErrorEvent))
        {
            return EmitError((Exception)(object)args!);
        }

        if (_checksEmit)
        {
            OnEmit(eventKey);
        }

        var items = FindSet(eventKey)?.Items;
        if (items is null || items.Length == 0)
        {
            return false;
        }

        for (var i = 0; i < items.Length; i++)
        {
            Invoke(eventKey, items[i], args);
        }

        return true;
    }

    /// <summary>Returns a snapshot of the event's listeners, as registered (once-listeners as their original delegate).</summary>
    /// <typeparam name="TArgs">The event's argument type.</typeparam>
    /// <param name="eventKey">The event.</param>
    /// <returns>A new list that later registrations never change.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="eventKey"/> is <see langword="null"/>.</exception>
    public IReadOnlyList<Action<TArgs>> Listeners<TArgs>(EventKey<TArgs> eventKey)
    {
        ArgumentNullException.ThrowIfNull(eventKey);
        var items = FindSet(eventKey)?.Items;
        if (items is null || items.Length == 0)
        {
            return [];
        }

        var result = new Action<TArgs>[items.Length];
        for (var i = 0; i < items.Length; i++)
        {
            result[i] = (Action<TArgs>)items[i].Listener;
        }

        return result;
    }

    /// <summary>Returns the number of listeners of an event.</summary>
    /// <param name="eventKey">The event.</param>
    /// <returns>The number of registrations, once-registrations included.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="eventKey"/> is <see langword="null"/>.</exception>
    public int ListenerCount(EventKey eventKey)
    {
        ArgumentNullException.ThrowIfNull(eventKey);
        return FindSet(eventKey)?.Items.Length ?? 0;
    }

    /// <summary>Returns how many times <paramref name="listener"/> is registered for an event.</summary>
    /// <typeparam name="TArgs">The event's argument type.</typeparam>
    /// <param name="eventKey">The event.</param>
    /// <param name="listener">The listener, matched with <see cref="Delegate.Equals(object)"/>; once-registrations count by their original.</param>
    /// <returns>The number of matching registrations.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="eventKey"/> or <paramref name="listener"/> is <see langword="null"/>.</exception>
    public int ListenerCount<TArgs>(EventKey<TArgs> eventKey, Action<TArgs> listener)
    {
        ArgumentNullException.ThrowIfNull(eventKey);
        ArgumentNullException.ThrowIfNull(listener);
        var items = FindSet(eventKey)?.Items;
        if (items is null)
        {
            return 0;
        }

        var count = 0;
        foreach (var registration in items)
        {
            if (registration.Listener.Equals(listener))
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>Returns the events that have listeners now, in the order their first listener was added.</summary>
    /// <returns>A new list of event keys.</returns>
    public IReadOnlyList<EventKey> EventNames()
    {
        var sets = _sets;
        var result = new List<EventKey>(sets.Length);
        foreach (var set in sets)
        {
            if (set.Items.Length > 0)
            {
                result.Add(set.Key);
            }
        }

        return result;
    }
}
