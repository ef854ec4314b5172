using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Hedging;
using Polly.Retry;
using Polly.Telemetry;

namespace Handlers.Eventing.Internal;

/// <summary>
/// A Polly v8 telemetry listener that tells a call when a retry or hedging strategy decided its next attempt, so that
/// <see cref="HttpEvents.Retry"/> is raised at the decision, before the back-off delay, with that delay.
/// </summary>
/// <remarks>
/// <para>
/// Polly reports <c>OnRetry</c> after the retry predicate handled an outcome and the delay was computed, before the delay and
/// before the handled response is disposed; it reports <c>OnHedging</c> when a hedged attempt is about to start. Both reach
/// every listener of <see cref="TelemetryOptions.TelemetryListeners"/> whatever their severity settings, so pipelines built by
/// Polly's dependency injection (Microsoft.Extensions.Http.Resilience included) call this listener.
/// </para>
/// <para>
/// The call is found from the request, never created: the request Microsoft.Extensions.Http.Resilience keeps in the
/// <see cref="ResilienceContext"/> (for hedging, the hedged attempt's context holds the per-attempt clone, which keeps the
/// original's options and so its call), else, for a retry, the request of the handled response. A decision whose request has no running call is ignored; the call then raises
/// <see cref="HttpEvents.Retry"/> when the next attempt starts, with a <see langword="null"/> delay. A retry of an HTTP pipeline
/// (result <see cref="HttpResponseMessage"/>, as a <c>ResilienceHandler</c> runs) with no request at all, which a pipeline run by
/// hand around <c>HttpClient</c> legitimately has, is logged at Debug (<see cref="Log.RetryWithoutRequest"/>).
/// </para>
/// <para>
/// Both names are strings of other packages, pinned by tests against the versions the repository references:
/// <see cref="RequestMessageKey"/> and <see cref="OnHedgingEventName"/>.
/// </para>
/// </remarks>
internal sealed class AttemptDecisionListener : TelemetryListener
{
    /// <summary>The category of the listener's log lines.</summary>
    public const string LoggerCategory = "Handlers.Eventing.Resilience";

    /// <summary>Polly's <c>HedgingConstants.OnHedgingEventName</c> (internal), the event the hedging strategy reports a hedged attempt with.</summary>
    internal const string OnHedgingEventName = "OnHedging";

    /// <summary>
    /// Gets Microsoft.Extensions.Http.Resilience's <c>ResilienceKeys.RequestMessage</c>, under which its <c>ResilienceHandler</c>
    /// keeps the request in the <see cref="ResilienceContext"/> (its accessor, <c>GetRequestMessage()</c>, is experimental).
    /// </summary>
    /// <remarks>Read by name, so that the library does not depend on that package; a property under another type reads as absent.</remarks>
    internal static ResiliencePropertyKey<HttpRequestMessage?> RequestMessageKey { get; } = new("Resilience.Http.RequestMessage");

    private readonly ILogger _logger;

    /// <summary>Creates the listener; the setup adds one to Polly's telemetry options of a service provider.</summary>
    /// <param name="logger">Receives the Debug line of a retry that carries no request.</param>
    public AttemptDecisionListener(ILogger logger)
    {
        _logger = logger;
    }

    /// <inheritdoc/>
    public override void Write<TResult, TArgs>(in TelemetryEventArguments<TResult, TArgs> args)
    {
        // Called for every Polly event (pipeline start and end, each attempt): a type check the JIT folds for struct TArgs,
        // then a string comparison.
        if (typeof(TArgs) == typeof(OnRetryArguments<TResult>))
        {
            // The retry strategy reports with its own result type, so the arguments are OnRetryArguments<TResult>.
            var arguments = args.Arguments;
            var retry = Unsafe.As<TArgs, OnRetryArguments<TResult>>(ref arguments);
            OnRetry(in args, retry);
        }
        else if (string.Equals(args.Event.EventName, OnHedgingEventName, StringComparison.Ordinal) && IsHedgingArguments(typeof(TArgs)))
        {
            // The hedging strategy reports with TResult = object and the hedged attempt's context (its request is the clone
            // made for that attempt; Polly copies the primary's properties into it first).
            OnHedging(args.Context);
        }
    }

    private static bool IsHedgingArguments(Type type) => type.IsGenericType && type.GetGenericTypeDefinition() == typeof(OnHedgingArguments<>);

    private void OnRetry<TResult, TArgs>(in TelemetryEventArguments<TResult, TArgs> args, in OnRetryArguments<TResult> retry)
    {
        var outcome = retry.Outcome;
        var response = outcome.Exception is null ? outcome.Result as HttpResponseMessage : null;
        var request = RequestOf(retry.Context) ?? response?.RequestMessage;
        if (request is null)
        {
            if (typeof(TResult) == typeof(HttpResponseMessage) && _logger.IsEnabled(LogLevel.Debug))
            {
                // Polly counts attempts from 0 (the one that failed); the call counts from 1 (the one that follows).
                Log.RetryWithoutRequest(_logger, retry.AttemptNumber + 2, args.Source.PipelineName, args.Source.StrategyName);
            }

            return;
        }

        if (FindCall(request) is { } call)
        {
            call.ReportAttemptDecided(HttpAttemptKind.Retry, retry.RetryDelay, outcome.Exception, response?.StatusCode);
        }
    }

    private static void OnHedging(ResilienceContext actionContext)
    {
        // The hedged attempt starts right after this event: its delay (the hedging delay) has already elapsed.
        if (FindCall(RequestOf(actionContext)) is { } call)
        {
            call.ReportAttemptDecided(HttpAttemptKind.Hedge, TimeSpan.Zero, previousError: null, previousStatusCode: null);
        }
    }

    private static HttpRequestMessage? RequestOf(ResilienceContext context) =>
        context.Properties.TryGetValue(RequestMessageKey, out var request) ? request : null;

    private static HttpCall? FindCall(HttpRequestMessage? request) =>
        request is not null && HttpCall.TryGet(request, out var call) && !call.IsFinished ? call : null;
}
