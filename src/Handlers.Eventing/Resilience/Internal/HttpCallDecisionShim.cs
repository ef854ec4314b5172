namespace Handlers.Eventing.Internal;

/// <summary>
/// TEMPORARY, until the core's <c>HttpCall.ReportAttemptDecided</c> lands: lets the listener compile against today's call,
/// which raises <see cref="HttpEvents.Retry"/> only when the next attempt starts. The instance method wins over this
/// extension as soon as it exists; then this file is deleted.
/// </summary>
internal static class HttpCallDecisionShim
{
    public static void ReportAttemptDecided(
        this HttpCall call, HttpAttemptKind kind, TimeSpan? delay, Exception? previousError, System.Net.HttpStatusCode? previousStatusCode)
    {
        _ = call;
        _ = kind;
        _ = delay;
        _ = previousError;
        _ = previousStatusCode;
    }
}
