namespace Handlers.Eventing.Internal;

/// <summary>Creates the <see cref="CallObserver"/> of a call when it starts.</summary>
internal interface ICallObserverFactory
{
    /// <summary>
    /// Returns the observer of <paramref name="call"/>, which is starting now (on the sender's flow, before its first attempt),
    /// or <see langword="null"/> when nothing needs observing; that path must allocate nothing.
    /// </summary>
    CallObserver? Create(HttpCall call);
}
