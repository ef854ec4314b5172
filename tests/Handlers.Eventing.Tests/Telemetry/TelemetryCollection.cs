namespace Handlers.Eventing.Tests.Telemetry;

/// <summary>
/// Activity and meter listeners are process-wide: the telemetry tests run alone, after the parallel ones, so that no other
/// test's calls reach their listeners and none of theirs makes "nobody listens" untrue for another test.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TelemetryCollection
{
    public const string Name = "Telemetry";
}
