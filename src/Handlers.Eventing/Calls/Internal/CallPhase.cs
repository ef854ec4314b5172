namespace Handlers.Eventing.Internal;

/// <summary>The phases of an <see cref="HttpCall"/>; see the state diagram in <c>HttpCall.Lifecycle.cs</c>.</summary>
internal enum CallPhase
{
    /// <summary>Made (by <c>HttpCall.For</c> or <c>CreateCall</c>), not sent yet.</summary>
    Created,

    /// <summary>
    /// Sent: attempts run until the pipeline returns a response or fails, then the call waits for the end of the returned
    /// body (which response was returned is the call's own record, not a phase).
    /// </summary>
    Running,

    /// <summary>The end was decided: <see cref="HttpEvents.Success"/> or <see cref="HttpEvents.Error"/> is being raised.</summary>
    Ended,

    /// <summary><see cref="HttpCall.IsFinished"/>: <see cref="HttpEvents.Complete"/> is being raised.</summary>
    Finished,

    /// <summary>Every <see cref="HttpEvents.Complete"/> listener ran: <see cref="HttpCall.Completion"/> is completed.</summary>
    Completed,
}
