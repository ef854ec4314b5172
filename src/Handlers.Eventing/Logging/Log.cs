using Microsoft.Extensions.Logging;

namespace Handlers.Eventing.Internal;

/// <summary>
/// The log messages of <see cref="EventingOptions.LogLifecycle"/> (1 to 7, 9 to 11) and of the resilience listener (8):
/// stable event ids and names, structured fields. New messages take new ids; ids are never renumbered.
/// </summary>
/// <remarks>
/// URIs are logged as <see cref="EventingOptions.RedactUri"/> writes them (by default with their query values redacted,
/// <c>?a=*&amp;b=*</c>); times are in milliseconds, the hedging delay in seconds. The end of a call carries the returned
/// attempt's phase timings in <c>{Timings}</c> (<c>queued 0.1ms, dns -, ...</c>) only when
/// <see cref="EventingOptions.CollectTimings"/> is on: without them the message has no <c>{Timings}</c> field at all.
/// <c>{BytesReceived}</c> counts the returned attempt's body as it came off the network (the encoded bytes when the library
/// decoded it), and <c>{Decoded}</c> says what the caller got when that differs: <c>" (4800000 B decoded)"</c>,
/// <c>" (decoded by the primary handler)"</c>, or an empty string.
/// </remarks>
internal static partial class Log
{
    // The end of a call: "duration" is the call's time, from its start to the end of the body, retries and back-offs included
    // (HttpCallResponse.Duration). The returned attempt's phases follow in parentheses; their "total" is that attempt's alone.
    private const string EndMessage =
        "HTTP call {Method} {Uri} ended in {Outcome}: status {StatusCode}, attempt {Attempt}, retries {RetryCount}, sent {BytesSent} B, " +
        "received {BytesReceived} B{Decoded}, headers after {TimeToHeadersMs:0.0}ms, duration {DurationMs:0.0}ms";

    private const string TimingsSuffix = " (attempt phases: {Timings})";

    [LoggerMessage(EventId = 1, EventName = "CallStarting", Level = LogLevel.Debug,
        Message = "Sending HTTP call {Method} {Uri}")]
    public static partial void CallStarting(ILogger logger, string method, string uri);

    [LoggerMessage(EventId = 2, EventName = "HeadersReceived", Level = LogLevel.Debug,
        Message = "Received status {StatusCode} for {Method} {Uri} on attempt {Attempt} after {TimeToHeadersMs:0.0}ms")]
    public static partial void HeadersReceived(ILogger logger, int statusCode, string method, string uri, int attempt, double? timeToHeadersMs);

    [LoggerMessage(EventId = 3, EventName = "AttemptFailed", Level = LogLevel.Debug,
        Message = "Attempt {Attempt} of {Method} {Uri} failed in the transport")]
    public static partial void AttemptFailed(ILogger logger, int attempt, string method, string uri, Exception exception);

    [LoggerMessage(EventId = 4, EventName = "Retrying", Level = LogLevel.Warning,
        Message = "Retrying {Method} {Uri}: attempt {Attempt} ({AttemptKind}) after {Reason}, delay {DelayMs:0.0}ms")]
    public static partial void Retrying(
        ILogger logger, string method, string uri, int attempt, HttpAttemptKind attemptKind, string reason, double? delayMs, Exception? exception);

    // Events 5 and 6 each have two messages, with and without the phase timings (EventingOptions.CollectTimings): one event,
    // one id, and no empty field when the timings were not collected.
#pragma warning disable SYSLIB1006, SYSLIB1025 // Several logging methods use the same event id and name: on purpose, see above.
    [LoggerMessage(EventId = 5, EventName = "CallSucceeded", Level = LogLevel.Information, Message = EndMessage)]
    public static partial void CallSucceeded(
        ILogger logger, string method, string uri, string outcome, int? statusCode, int attempt, int retryCount, long bytesSent, long bytesReceived,
        string decoded, double? timeToHeadersMs, double? durationMs);

    [LoggerMessage(EventId = 5, EventName = "CallSucceeded", Level = LogLevel.Information, Message = EndMessage + TimingsSuffix)]
    public static partial void CallSucceededWithTimings(
        ILogger logger, string method, string uri, string outcome, int? statusCode, int attempt, int retryCount, long bytesSent, long bytesReceived,
        string decoded, double? timeToHeadersMs, double? durationMs, string timings);

    [LoggerMessage(EventId = 6, EventName = "CallFailed", Level = LogLevel.Warning, Message = EndMessage)]
    public static partial void CallFailed(
        ILogger logger, string method, string uri, string outcome, int? statusCode, int attempt, int retryCount, long bytesSent, long bytesReceived,
        string decoded, double? timeToHeadersMs, double? durationMs, Exception? exception);

    [LoggerMessage(EventId = 6, EventName = "CallFailed", Level = LogLevel.Warning, Message = EndMessage + TimingsSuffix)]
    public static partial void CallFailedWithTimings(
        ILogger logger, string method, string uri, string outcome, int? statusCode, int attempt, int retryCount, long bytesSent, long bytesReceived,
        string decoded, double? timeToHeadersMs, double? durationMs, string timings, Exception? exception);
#pragma warning restore SYSLIB1006, SYSLIB1025

    [LoggerMessage(EventId = 7, EventName = "ListenerException", Level = LogLevel.Warning,
        Message = "A listener of {ListenerEvent} for {Method} {Uri} threw; the exception was reported, not thrown")]
    public static partial void ListenerException(ILogger logger, string listenerEvent, string method, string uri, Exception exception);

    [LoggerMessage(EventId = 8, EventName = "RetryWithoutRequest", Level = LogLevel.Debug,
        Message = "A Polly retry of an HTTP pipeline (next attempt {Attempt}, pipeline {Pipeline}, strategy {Strategy}) carries no " +
            "request in its resilience context or its outcome, so no call raises retry at the decision; a call that makes that " +
            "attempt raises it when the attempt starts, without a delay")]
    public static partial void RetryWithoutRequest(ILogger logger, int attempt, string? pipeline, string? strategy);

    [LoggerMessage(EventId = 9, EventName = "Hedging", Level = LogLevel.Information,
        Message = "Hedging {Method} {Uri}: attempt {Attempt} started after {DelaySeconds:0.0} s")]
    public static partial void Hedging(ILogger logger, string method, string uri, int attempt, double delaySeconds);

    [LoggerMessage(EventId = 10, EventName = "HedgeLost", Level = LogLevel.Debug,
        Message = "Hedging {Method} {Uri}: attempt {Attempt} lost to attempt {WinningAttempt} and was cancelled")]
    public static partial void HedgeLost(ILogger logger, string method, string uri, int attempt, int winningAttempt);
}
