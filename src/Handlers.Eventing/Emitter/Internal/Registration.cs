namespace Handlers.Eventing.Internal;

/// <summary>One listener registration. A once-registration is claimed atomically, so it runs at most once.</summary>
internal sealed class Registration
{
    private int _claimed;

    public Registration(Delegate listener, bool once)
    {
        Listener = listener;
        Once = once;
    }

    /// <summary>Gets the delegate the user registered (never a wrapper).</summary>
    public Delegate Listener { get; }

    public bool Once { get; }

    /// <summary>Claims a once-registration; only the first caller gets <see langword="true"/>.</summary>
    public bool TryClaim() => Interlocked.Exchange(ref _claimed, 1) == 0;
}
