using System.Net;

namespace Handlers.Eventing;

/// <summary>The argument of <see cref="HttpEvents.Retry"/>: an attempt after the first is starting.</summary>
/// <param name="Attempt">The number of the attempt that is starting (2 or more).</param>
/// <param name="PreviousError">The exception that ended the previous attempt, or <see langword="null"/> if it got a response.</param>
/// <param name="PreviousStatusCode">The status of the previous attempt's response, or <see langword="null"/> if it threw.</param>
public sealed record HttpRetryEvent(int Attempt, Exception? PreviousError, HttpStatusCode? PreviousStatusCode);
