namespace Handlers.Eventing.Internal;

/// <summary>
/// The listeners of one event key. <see cref="Items"/> is copy-on-write: it is replaced, never mutated, under the
/// emitter's lock, so an emit reads it without a lock and iterates a snapshot.
/// </summary>
internal sealed class ListenerSet
{
    public ListenerSet(EventKey key) => Key = key;

    public EventKey Key { get; }

    public volatile Registration[] Items = [];

    /// <summary>Whether the max-listener warning was raised since the set was created.</summary>
    public bool Warned;

    /// <summary>How many listeners were placed at the front during the current prepend region of the emitter.</summary>
    public int FrontCount;
}
