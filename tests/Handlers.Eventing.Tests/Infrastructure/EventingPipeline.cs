using Handlers.Eventing.Internal;

namespace Handlers.Eventing.Tests.Infrastructure;

/// <summary>Builds the eventing part of a pipeline in either <see cref="PipelineShape"/> over an inner handler.</summary>
public static class EventingPipeline
{
    /// <summary>
    /// Returns one <see cref="EventingHandler"/> over <paramref name="inner"/>, or, for <see cref="PipelineShape.TwoParts"/>,
    /// the composition the factory's filter makes when a handler sits between: call part, a pass-through handler, attempt part.
    /// </summary>
    public static HttpMessageHandler Create(HttpMessageHandler inner, PipelineShape shape, EventingOptions? options = null) => shape switch
    {
        PipelineShape.OneLayer => new EventingHandler(inner, options ?? new EventingOptions()),
        _ => new CallHandler((options ?? new EventingOptions()).Snapshot(), services: null)
        {
            InnerHandler = new PassThroughHandler { InnerHandler = new AttemptHandler { InnerHandler = inner } },
        },
    };
}
