namespace Handlers.Eventing;

/// <summary>
/// Identifies an event of an <see cref="EventEmitter"/>. Identity is the instance, like a JavaScript <c>Symbol</c>:
/// two keys with the same <see cref="Name"/> are two different events.
/// </summary>
/// <remarks>Create keys through <see cref="EventKey{TArgs}"/>, which fixes the type of the listener's argument.</remarks>
public abstract class EventKey
{
    private protected EventKey(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
    }

    /// <summary>Gets the display name of the event, used in messages and logs.</summary>
    /// <value>The name given when the key was created.</value>
    public string Name { get; }

    /// <summary>Returns the display name of the event.</summary>
    /// <returns>The value of <see cref="Name"/>.</returns>
    public override string ToString() => Name;
}
