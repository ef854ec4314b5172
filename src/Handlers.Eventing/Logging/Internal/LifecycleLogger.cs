using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Handlers.Eventing.Internal;

/// <summary>
/// Logs the lifecycle of every call of one client (<see cref="EventingOptions.LogLifecycle"/>): attached to each call when it
/// starts, only for the levels that are enabled then, so that nothing is attached or allocated when logging is off.
/// </summary>
internal sealed class LifecycleLogger
{
    private const string CategoryPrefix = "Handlers.Eventing.HttpCall";

    private readonly ILogger _logger;
    private readonly Action<HttpHeadersEvent> _onHeaders;
    private readonly Action<HttpErrorEvent> _onHttpError;
    private readonly Action<HttpCallResponse> _onComplete;
    private readonly Action<HttpRetryEvent> _onRetry;

    private LifecycleLogger(ILogger logger)
    {
        _logger = logger;
        _onHeaders = OnHeaders;
        _onHttpError = OnHttpError;
        _onComplete = OnComplete;
        _onRetry = OnRetry;
    }

    /// <summary>Gets the log category of a client: <c>Handlers.Eventing.HttpCall.{clientName}</c>, without suffix for the unnamed client.</summary>
    public static string CategoryName(string? clientName) =>
        string.IsNullOrEmpty(clientName) ? CategoryPrefix : CategoryPrefix + "." + clientName;

    /// <summary>Returns a copy of <paramref name="options"/> that logs the lifecycle of every call to the client's category.</summary>
    public static EventingOptions Apply(EventingOptions options, string? clientName, ILoggerFactory loggerFactory)
    {
        var lifecycle = new LifecycleLogger(loggerFactory.CreateLogger(CategoryName(clientName)));
        var result = new EventingOptions();
        options.CopyTo(result);

        // First, so that the log listeners see each event before the client's and the call's own listeners.
        result.CallConfigurations.Insert(0, lifecycle.Attach);
        var reported = options.ListenerExceptionHandler;
        result.ListenerExceptionHandler = reported is null
            ? lifecycle.OnListenerException
            : (call, key, exception) =>
            {
                lifecycle.OnListenerException(call, key, exception);
                reported(call, key, exception);
            };
        return result;
    }

    private void Attach(HttpCall call, IServiceProvider? services)
    {
        var logger = _logger;
        if (logger.IsEnabled(LogLevel.Debug))
        {
            Log.CallStarting(logger, call.Request.Method.Method, UriRedactor.Redact(call.Request.RequestUri));
            call.On(HttpEvents.HttpHeaders, _onHeaders);
            call.On(HttpEvents.HttpError, _onHttpError);
        }

        if (logger.IsEnabled(LogLevel.Warning))
        {
            call.On(HttpEvents.Retry, _onRetry);
        }

        if (logger.IsEnabled(LogLevel.Information) || logger.IsEnabled(LogLevel.Warning))
        {
            call.On(HttpEvents.Complete, _onComplete);
        }
    }

    private void OnHeaders(HttpHeadersEvent e) =>
        Log.HeadersReceived(
            _logger, (int)e.StatusCode, e.Call.Request.Method.Method, UriRedactor.Redact(e.Call.Request.RequestUri), e.Attempt,
            e.Call.Response.TimeToHeaders?.TotalMilliseconds);

    private void OnHttpError(HttpErrorEvent e) =>
        Log.AttemptFailed(_logger, e.Attempt, e.Call.Request.Method.Method, UriRedactor.Redact(e.Call.Request.RequestUri), e.Exception);

    private void OnRetry(HttpRetryEvent e)
    {
        var call = e.Call;
        var reason = e.PreviousStatusCode is { } status
            ? string.Create(CultureInfo.InvariantCulture, $"status {(int)status}")
            : e.PreviousError is { } error ? error.GetType().Name + ": " + error.Message : "an unknown failure";
        Log.Retrying(_logger, call.Request.Method.Method, UriRedactor.Redact(call.Request.RequestUri), e.Attempt, reason, e.PreviousError);
    }

    private void OnComplete(HttpCallResponse response)
    {
        var request = response.Call.Request;
        var statusCode = response.StatusCode is { } status ? (int)status : (int?)null;
        var bytesSent = BytesSent(response);
        if (response.Error is null)
        {
            Log.CallSucceeded(
                _logger, request.Method.Method, UriRedactor.Redact(request.RequestUri), "Success", statusCode, response.Attempts,
                bytesSent, response.BytesReceived, response.TimeToHeaders?.TotalMilliseconds, response.Duration?.TotalMilliseconds);
        }
        else
        {
            var outcome = response.Error is OperationCanceledException ? "Canceled" : "Error";
            Log.CallFailed(
                _logger, request.Method.Method, UriRedactor.Redact(request.RequestUri), outcome, statusCode, response.Attempts,
                bytesSent, response.BytesReceived, response.TimeToHeaders?.TotalMilliseconds, response.Duration?.TotalMilliseconds,
                response.Error);
        }
    }

    /// <summary>
    /// Returns the request body bytes sent: counted when upload progress is listened to, otherwise the Content-Length once a
    /// response arrived (the transport sent the whole body before reading the response).
    /// </summary>
    private static long BytesSent(HttpCallResponse response) =>
        response.BytesSent > 0 || response.StatusCode is null
            ? response.BytesSent
            : response.Call.Request.Content?.Headers.ContentLength ?? 0;

    private void OnListenerException(HttpCall call, EventKey key, Exception exception) =>
        Log.ListenerException(_logger, key.Name, call.Request.Method.Method, UriRedactor.Redact(call.Request.RequestUri), exception);
}
