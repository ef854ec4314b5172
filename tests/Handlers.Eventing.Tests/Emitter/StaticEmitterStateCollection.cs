namespace Handlers.Eventing.Tests.Emitter;

/// <summary>
/// Tests that change or observe process-wide emitter state (<see cref="EventEmitter.DefaultMaxListeners"/>,
/// <see cref="EventEmitter.MaxListenersExceeded"/>) run alone, so no other test sees or causes their changes.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class StaticEmitterStateCollection
{
    public const string Name = "Static emitter state";
}
