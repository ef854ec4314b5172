namespace Handlers.Eventing;

/// <summary>
/// The argument of <see cref="EventEmitter.NewListenerEvent"/> and <see cref="EventEmitter.RemoveListenerEvent"/>:
/// which event gained or lost which listener.
/// </summary>
/// <param name="EventKey">The event whose listeners changed.</param>
/// <param name="Listener">The listener as it was registered (never an internal wrapper, also for once-registrations).</param>
public readonly record struct ListenerChange(EventKey EventKey, Delegate Listener);
