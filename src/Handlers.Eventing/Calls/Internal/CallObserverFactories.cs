namespace Handlers.Eventing.Internal;

/// <summary>Creates a call's observers from the factories of its client and the process-wide ones (telemetry).</summary>
internal static class CallObserverFactories
{
    /// <summary>Gets the factories every call consults, whatever its client.</summary>
    private static readonly ICallObserverFactory[] s_global = [CallTelemetry.Factory];

    /// <summary>Returns the observers interested in <paramref name="call"/>, or <see langword="null"/> (nothing allocated) when none is.</summary>
    public static CallObserver[]? CreateObservers(HttpCall call, List<ICallObserverFactory> clientFactories)
    {
        CallObserver[]? observers = null;
        foreach (var factory in s_global)
        {
            Add(ref observers, factory.Create(call));
        }

        foreach (var factory in clientFactories)
        {
            Add(ref observers, factory.Create(call));
        }

        return observers;
    }

    private static void Add(ref CallObserver[]? observers, CallObserver? observer)
    {
        if (observer is null)
        {
            return;
        }

        if (observers is null)
        {
            observers = [observer];
            return;
        }

        Array.Resize(ref observers, observers.Length + 1);
        observers[^1] = observer;
    }
}
