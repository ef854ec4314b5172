using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Handlers.Eventing.Internal;

/// <summary>
/// Writes the log lines of one call (<see cref="EventingOptions.LogLifecycle"/>): its start, each attempt's headers and
/// transport failure (Debug), each retry (Warning) and hedge (Information), the attempts a hedge made useless (Debug), and the
/// end of the call in one line (Information on success, Warning on error).
/// </summary>
/// <remarks>
/// Made by <see cref="LifecycleLogger"/> when the call starts. The call invokes it one event at a time (also under hedging),
/// so its fields need no lock. It keeps what the hedging lines need: when the latest attempt started, and which attempts
/// answered or failed.
/// </remarks>
internal sealed class CallLifecycleLog : CallObserver
{
    // Attempts 1 to 64, one bit each (attempt n is bit n - 1); later attempts are not tracked for the HedgeLost lines.
    private const int TrackedAttempts = 64;

    private readonly ILogger _logger;
    private readonly HttpCall _call;

    private long _latestAttemptStart;   // Stopwatch timestamp: when the latest attempt started (or, after a back-off, will start)
    private int _attempts = 1;          // attempts started or announced, the latest one's number
    private bool _hedged;               // an attempt of the call was a hedge
    private ulong _ended;               // attempts that answered with headers or failed in the transport: they were not cancelled

    private Uri? _uri;                  // the request URI last redacted, and its text
    private string? _redactedUri;

    public CallLifecycleLog(ILogger logger, HttpCall call)
    {
        _logger = logger;
        _call = call;
        _latestAttemptStart = Stopwatch.GetTimestamp();
    }

    /// <summary>Returns the request URI as <see cref="EventingOptions.RedactUri"/> writes it; redacted again only when it changed.</summary>
    public string Uri()
    {
        var uri = _call.Request.RequestUri;
        if (_redactedUri is null || !ReferenceEquals(uri, _uri))
        {
            _redactedUri = _call.RedactUri(uri);
            _uri = uri;
        }

        return _redactedUri;
    }

    public override void OnHeaders(HttpHeadersEvent headers)
    {
        MarkEnded(headers.Attempt);
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            Log.HeadersReceived(
                _logger, (int)headers.StatusCode, _call.Request.Method.Method, Uri(), headers.Attempt, _call.Response.TimeToHeaders?.TotalMilliseconds);
        }
    }

    public override void OnAttemptFailed(HttpErrorEvent error)
    {
        MarkEnded(error.Attempt);
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            Log.AttemptFailed(_logger, error.Attempt, _call.Request.Method.Method, Uri(), error.Exception);
        }
    }

    public override void OnRetry(HttpRetryEvent retry)
    {
        var now = Stopwatch.GetTimestamp();
        var sinceLatest = Stopwatch.GetElapsedTime(_latestAttemptStart, now);
        _attempts = Math.Max(_attempts, retry.Attempt);

        // The attempt starts now (a hedge; a retry seen as it starts), or after the back-off the strategy announced.
        _latestAttemptStart = retry.Delay is { } delay && delay > TimeSpan.Zero ? now + (long)(delay.TotalSeconds * Stopwatch.Frequency) : now;

        if (retry.Kind == HttpAttemptKind.Hedge)
        {
            _hedged = true;
            if (_logger.IsEnabled(LogLevel.Information))
            {
                Log.Hedging(_logger, _call.Request.Method.Method, Uri(), retry.Attempt, sinceLatest.TotalSeconds);
            }

            return;
        }

        if (!_logger.IsEnabled(LogLevel.Warning))
        {
            return;
        }

        var reason = retry.PreviousStatusCode is { } status ? string.Create(CultureInfo.InvariantCulture, $"status {(int)status}")
            : retry.PreviousError is { } error ? error.GetType().Name + ": " + error.Message
            : "the retry strategy's decision";
        Log.Retrying(_logger, _call.Request.Method.Method, Uri(), retry.Attempt, retry.Kind, reason, retry.Delay?.TotalMilliseconds, retry.PreviousError);
    }

    public override void OnCallEnded(HttpCallResponse response)
    {
        var method = _call.Request.Method.Method;
        if (_hedged)
        {
            LogLostAttempts(response, method);
        }

        var statusCode = response.StatusCode is { } status ? (int)status : (int?)null;
        var timeToHeaders = response.TimeToHeaders?.TotalMilliseconds;
        var duration = response.Duration?.TotalMilliseconds;
        if (response.Error is null)
        {
            if (!_logger.IsEnabled(LogLevel.Information))
            {
                return;
            }

            if (response.Timings is { } timings)
            {
                Log.CallSucceededWithTimings(
                    _logger, method, Uri(), "Success", statusCode, response.Attempt, response.RetryCount, response.BytesSent, Received(response),
                    Decoded(response), timeToHeaders, duration, timings.ToString());
            }
            else
            {
                Log.CallSucceeded(
                    _logger, method, Uri(), "Success", statusCode, response.Attempt, response.RetryCount, response.BytesSent, Received(response),
                    Decoded(response), timeToHeaders, duration);
            }
        }
        else if (_logger.IsEnabled(LogLevel.Warning))
        {
            var outcome = response.Error switch
            {
                HttpBodyIdleTimeoutException stall => string.Create(
                    CultureInfo.InvariantCulture, $"Stalled (no byte for {stall.IdleTimeout.TotalMilliseconds:0.0}ms after {stall.BytesReceived} B)"),
                OperationCanceledException => "Canceled",
                _ => "Error",
            };
            if (response.Timings is { } timings)
            {
                Log.CallFailedWithTimings(
                    _logger, method, Uri(), outcome, statusCode, response.Attempt, response.RetryCount, response.BytesSent, Received(response),
                    Decoded(response), timeToHeaders, duration, timings.ToString(), response.Error);
            }
            else
            {
                Log.CallFailed(
                    _logger, method, Uri(), outcome, statusCode, response.Attempt, response.RetryCount, response.BytesSent, Received(response),
                    Decoded(response), timeToHeaders, duration, response.Error);
            }
        }
    }

    /// <summary>Returns the bytes of the returned attempt's body on the wire: the encoded ones when the library decoded it.</summary>
    private static long Received(HttpCallResponse response) => response.EncodedBytesReceived ?? response.BytesReceived;

    /// <summary>Returns what the caller got when it differs from <see cref="Received"/>, or an empty string.</summary>
    private static string Decoded(HttpCallResponse response) =>
        response.EncodedBytesReceived is not null
            ? string.Create(CultureInfo.InvariantCulture, $" ({response.BytesReceived} B decoded)")
            : response.DecodedByPrimaryHandler ? " (decoded by the primary handler)" : string.Empty;

    public override void OnListenerException(HttpCall call, EventKey eventKey, Exception exception) =>
        Log.ListenerException(_logger, eventKey.Name, call.Request.Method.Method, Uri(), exception);

    /// <summary>
    /// Logs, at Debug, each attempt of a hedged call that neither answered nor failed while another attempt's response was
    /// returned: the hedging strategy cancelled it when that one won (the call sees a cancelled send as no event at all).
    /// </summary>
    private void LogLostAttempts(HttpCallResponse response, string method)
    {
        var winner = response.Attempt;
        if (winner == 0 || response.HttpResponse is null || response.Error is OperationCanceledException || !_logger.IsEnabled(LogLevel.Debug))
        {
            return;
        }

        var last = Math.Min(_attempts, TrackedAttempts);
        for (var attempt = 1; attempt <= last; attempt++)
        {
            if (attempt != winner && (_ended & Bit(attempt)) == 0)
            {
                Log.HedgeLost(_logger, method, Uri(), attempt, winner);
            }
        }
    }

    private void MarkEnded(int attempt)
    {
        if (attempt is > 0 and <= TrackedAttempts)
        {
            _ended |= Bit(attempt);
        }
    }

    private static ulong Bit(int attempt) => 1UL << (attempt - 1);
}
