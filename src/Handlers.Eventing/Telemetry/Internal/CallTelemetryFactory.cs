namespace Handlers.Eventing.Internal;

/// <summary>Creates a call's <see cref="CallTelemetry"/> when a telemetry listener is interested; see <see cref="CallTelemetry.Factory"/>.</summary>
internal sealed class CallTelemetryFactory : ICallObserverFactory
{
    /// <inheritdoc/>
    public CallObserver? Create(HttpCall call) => CallTelemetry.Start(call);
}
