namespace Handlers.Eventing.Tests.Timings;

/// <summary>
/// Tests that enable, observe or stop the process-wide timings listener run alone, so that "timings off" can assert that no
/// listener is enabled, and no other test's traffic runs while the runtime's networking events are on.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimingsCollection
{
    public const string Name = "Timings listener";
}
