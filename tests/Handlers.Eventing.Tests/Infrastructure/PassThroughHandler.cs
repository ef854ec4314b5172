namespace Handlers.Eventing.Tests.Infrastructure;

/// <summary>
/// A handler that only passes requests on: what stands between the call part and the attempt part of a two-part pipeline
/// (the factory's filter then places the two parts around it instead of one <see cref="EventingHandler"/>).
/// </summary>
public sealed class PassThroughHandler : DelegatingHandler
{
}
