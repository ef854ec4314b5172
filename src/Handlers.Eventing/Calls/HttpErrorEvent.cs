namespace Handlers.Eventing;

/// <summary>The argument of <see cref="HttpEvents.HttpError"/>: an attempt failed in the transport.</summary>
/// <param name="Exception">The transport's exception, as the caller sees it.</param>
/// <param name="Call">The call.</param>
/// <param name="Attempt">The attempt number, from 1.</param>
public sealed record HttpErrorEvent(Exception Exception, HttpCall Call, int Attempt);
