namespace Handlers.Eventing;

/// <summary>
/// Identifies an event whose listeners are <see cref="Action{T}"/> of <typeparamref name="TArgs"/>.
/// Several values travel as one args value (a record, struct or tuple).
/// </summary>
/// <typeparam name="TArgs">The type of the value passed to each listener.</typeparam>
/// <example>
/// <code>
/// static readonly EventKey&lt;string&gt; Greeted = new("greeted");
/// emitter.On(Greeted, name => Console.WriteLine($"hello {name}"));
/// emitter.Emit(Greeted, "world");
/// </code>
/// </example>
public sealed class EventKey<TArgs> : EventKey
{
    /// <summary>Initializes a new event key with a display name.</summary>
    /// <param name="name">The display name. It does not make the key unique: the instance does.</param>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty or white space.</exception>
    public EventKey(string name)
        : base(name)
    {
    }
}
