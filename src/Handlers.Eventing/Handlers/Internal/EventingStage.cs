namespace Handlers.Eventing.Internal;

/// <summary>Which part of the call an <see cref="EventingHandler"/> runs.</summary>
internal enum EventingStage
{
    /// <summary>Both parts in one handler (hand-built pipelines): one attempt per call.</summary>
    CallAndAttempt,

    /// <summary>The call-level part, outermost in a factory pipeline: start, final response, the exactly-once end.</summary>
    Call,

    /// <summary>The attempt-level part, innermost in a factory pipeline: retry, upload, headers, body events per attempt.</summary>
    Attempt,
}
