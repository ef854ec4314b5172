namespace Handlers.Eventing;

/// <summary>
/// Describes a possible listener leak: an event got more listeners than <see cref="EventEmitter.MaxListeners"/>.
/// Raised through <see cref="EventEmitter.MaxListenersExceeded"/>; the listener is added all the same.
/// </summary>
public sealed class MaxListenersExceededWarning
{
    internal MaxListenersExceededWarning(EventEmitter emitter, EventKey eventKey, int count, int max)
    {
        Emitter = emitter;
        EventKey = eventKey;
        Count = count;
        Message = $"Possible listener leak: {count} '{eventKey.Name}' listeners were added to one {emitter.GetType().Name}, " +
            $"more than its MaxListeners of {max}. Remove listeners you no longer need, or raise MaxListeners on this " +
            "emitter (0 means unlimited).";
    }

    /// <summary>Gets the emitter that has too many listeners.</summary>
    public EventEmitter Emitter { get; }

    /// <summary>Gets the event that has too many listeners.</summary>
    public EventKey EventKey { get; }

    /// <summary>Gets the number of listeners of <see cref="EventKey"/> once the new one was added.</summary>
    public int Count { get; }

    /// <summary>Gets a message that says what happened and how to fix it.</summary>
    public string Message { get; }

    /// <summary>Returns <see cref="Message"/>.</summary>
    /// <returns>The warning message.</returns>
    public override string ToString() => Message;
}
