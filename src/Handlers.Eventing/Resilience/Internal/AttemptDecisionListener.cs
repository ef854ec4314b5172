using System.Runtime.CompilerServices;
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
/// <see cref="HttpEvents.Retry"/> when the next attempt starts, with a <see langword="null"/> delay.
/// </para>
/// </remarks>
internal sealed class AttemptDecisionListener : TelemetryListener
{
    // Microsoft.Extensions.Http.Resilience's ResilienceKeys.RequestMessage (its accessor, GetRequestMessage(), is experimental).
    // Read by name, so that the library does not depend on that package; a property under another type reads as absent.
    private static readonly ResiliencePropertyKey<HttpRequestMessage?> s_requestMessageKey = new("Resilience.Http.RequestMessage");

    // Polly's HedgingConstants.OnHedgingEventName (internal).
    private const string OnHedgingEventName = "OnHedging";

    private AttemptDecisionListener()
    {
    }

    /// <summary>Gets the one instance: the listener holds no state.</summary>
    public static AttemptDecisionListener Instance { get; } = new();

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
            OnRetry(retry.Context, retry.Outcome, retry.RetryDelay);
        }
        else if (string.Equals(args.Event.EventName, OnHedgingEventName, StringComparison.Ordinal) && IsHedgingArguments(typeof(TArgs)))
        {
            // The hedging strategy reports with TResult = object and the hedged attempt's context (its request is the clone
            // made for that attempt; Polly copies the primary's properties into it first).
            OnHedging(args.Context);
        }
    }

    private static bool IsHedgingArguments(Type type) => type.IsGenericType && type.GetGenericTypeDefinition() == typeof(OnHedgingArguments<>);

    private static void OnRetry<TResult>(ResilienceContext context, Outcome<TResult> outcome, TimeSpan delay)
    {
        var response = outcome.Exception is null ? outcome.Result as HttpResponseMessage : null;
        if (FindCall(RequestOf(context) ?? response?.RequestMessage) is { } call)
        {
            call.ReportAttemptDecided(HttpAttemptKind.Retry, delay, outcome.Exception, response?.StatusCode);
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
        context.Properties.TryGetValue(s_requestMessageKey, out var request) ? request : null;

    private static HttpCall? FindCall(HttpRequestMessage? request) =>
        request is not null && HttpCall.TryGet(request, out var call) && !call.IsFinished ? call : null;
}
