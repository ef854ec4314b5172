namespace Handlers.Eventing;

/// <summary>Why an attempt after the first started: the <see cref="HttpRetryEvent.Kind"/> of <see cref="HttpEvents.Retry"/>.</summary>
public enum HttpAttemptKind
{
    /// <summary>The previous attempt ended (a status or an exception) and the call tries again.</summary>
    Retry,

    /// <summary>The attempt starts while earlier attempts still run (hedging): the first acceptable response wins.</summary>
    Hedge,

    /// <summary>
    /// The body of the returned response failed mid-stream and the library asked for the rest of it with <c>Range</c>
    /// (<see cref="ResponseBodyOptions.MaxResumeAttempts"/>): the caller's stream goes on with the new attempt's bytes.
    /// </summary>
    Resume,
}
