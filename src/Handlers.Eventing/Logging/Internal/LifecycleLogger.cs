using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Handlers.Eventing.Internal;

/// <summary>
/// Logs the lifecycle of every call of one client (<see cref="EventingOptions.LogLifecycle"/>). It is one of the library's
/// own observers, not a listener: a call's <c>Listeners</c> and <c>RemoveAllListeners</c> neither show nor remove it.
/// </summary>
/// <remarks>
/// One instance serves every call of the client. It observes a call only when one of its levels is enabled when the call
/// starts; otherwise nothing is attached or allocated.
/// </remarks>
internal sealed class LifecycleLogger : CallObserver, ICallObserverFactory
{
    private const string CategoryPrefix = "Handlers.Eventing.HttpCall";

    private readonly ILogger _logger;

    public LifecycleLogger(ILogger logger) => _logger = logger;

    /// <summary>Gets the log category of a client: <c>Handlers.Eventing.HttpCall.{clientName}</c>, without suffix for the unnamed client.</summary>
    public static string CategoryName(string? clientName) =>
        string.IsNullOrEmpty(clientName) ? CategoryPrefix : CategoryPrefix + "." + clientName;

    public CallObserver? Create(HttpCall call)
    {
        var logger = _logger;
        if (logger.IsEnabled(LogLevel.Debug))
        {
            Log.CallStarting(logger, call.Request.Method.Method, UriRedactor.Redact(call.Request.RequestUri));
            return this;
        }

        return logger.IsEnabled(LogLevel.Warning) ? this : null;
    }

    public override void OnHeaders(HttpHeadersEvent headers)
    {
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            var call = headers.Call;
            Log.HeadersReceived(
                _logger, (int)headers.StatusCode, call.Request.Method.Method, UriRedactor.Redact(call.Request.RequestUri), headers.Attempt,
                call.Response.TimeToHeaders?.TotalMilliseconds);
        }
    }

    public override void OnAttemptFailed(HttpErrorEvent error)
    {
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            var request = error.Call.Request;
            Log.AttemptFailed(_logger, error.Attempt, request.Method.Method, UriRedactor.Redact(request.RequestUri), error.Exception);
        }
    }

    public override void OnRetry(HttpRetryEvent retry)
    {
        if (!_logger.IsEnabled(LogLevel.Warning))
        {
            return;
        }

        var reason = retry.Kind == HttpAttemptKind.Hedge ? "hedging the running attempts"
            : retry.PreviousStatusCode is { } status ? string.Create(CultureInfo.InvariantCulture, $"status {(int)status}")
            : retry.PreviousError is { } error ? error.GetType().Name + ": " + error.Message
            : "the retry strategy's decision";
        var request = retry.Call.Request;
        Log.Retrying(
            _logger, request.Method.Method, UriRedactor.Redact(request.RequestUri), retry.Attempt, retry.Kind, reason,
            retry.Delay?.TotalMilliseconds, retry.PreviousError);
    }

    public override void OnCallEnded(HttpCallResponse response)
    {
        var request = response.Call.Request;
        var statusCode = response.StatusCode is { } status ? (int)status : (int?)null;
        if (response.Error is null)
        {
            if (_logger.IsEnabled(LogLevel.Information))
            {
                Log.CallSucceeded(
                    _logger, request.Method.Method, UriRedactor.Redact(request.RequestUri), "Success", statusCode, response.Attempt, response.RetryCount,
                    response.BytesSent, Received(response), Decoded(response), response.TimeToHeaders?.TotalMilliseconds, response.Duration?.TotalMilliseconds,
                    Timings(response));
            }
        }
        else if (_logger.IsEnabled(LogLevel.Warning))
        {
            var outcome = response.Error is OperationCanceledException ? "Canceled" : "Error";
            Log.CallFailed(
                _logger, request.Method.Method, UriRedactor.Redact(request.RequestUri), outcome, statusCode, response.Attempt, response.RetryCount,
                response.BytesSent, Received(response), Decoded(response), response.TimeToHeaders?.TotalMilliseconds, response.Duration?.TotalMilliseconds,
                Timings(response), response.Error);
        }
    }

    /// <summary>Says, at Debug level, that the primary handler decodes bodies before the library can (once per client).</summary>
    public void ReportDoubleDecoding(System.Net.DecompressionMethods library, System.Net.DecompressionMethods primary)
    {
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            Log.DecodedBelow(_logger, library, primary);
        }
    }

    public override void OnListenerException(HttpCall call, EventKey eventKey, Exception exception) =>
        Log.ListenerException(_logger, eventKey.Name, call.Request.Method.Method, UriRedactor.Redact(call.Request.RequestUri), exception);

    /// <summary>Returns the bytes of the returned attempt's body on the wire: the encoded ones when the library decoded it.</summary>
    private static long Received(HttpCallResponse response) => response.EncodedBytesReceived ?? response.BytesReceived;

    /// <summary>Returns what the caller got when it differs from <see cref="Received"/>, or an empty string.</summary>
    private static string Decoded(HttpCallResponse response) =>
        response.EncodedBytesReceived is not null
            ? string.Create(CultureInfo.InvariantCulture, $" ({response.BytesReceived} B decoded)")
            : response.DecodedByPrimaryHandler ? " (decoded by the primary handler)" : string.Empty;

    /// <summary>Returns the returned attempt's timings as the end of the line, or an empty string when they are not collected.</summary>
    private static string Timings(HttpCallResponse response) => response.Timings is { } timings ? " (" + timings + ")" : string.Empty;
}
