namespace Handlers.Eventing;

/// <summary>
/// The names under which the library reports every call to OpenTelemetry: one <see cref="System.Diagnostics.Activity"/> per
/// call and three histograms, all of which end at the last byte of the body rather than at the response headers.
/// </summary>
/// <remarks>
/// <para>
/// Add both names to an OpenTelemetry setup: <c>.WithTracing(t =&gt; t.AddSource(EventingTelemetry.ActivitySourceName))</c> and
/// <c>.WithMetrics(m =&gt; m.AddMeter(EventingTelemetry.MeterName))</c>. Nothing else is needed: every call that goes through an
/// <see cref="EventingHandler"/> (or <c>AddEventing()</c>) is reported.
/// </para>
/// <para>
/// When nothing listens to the source or the meter, no activity is created and nothing is measured. docs/telemetry.md lists
/// the attributes, events and instruments, and when the activity stops on each path.
/// </para>
/// </remarks>
public static class EventingTelemetry
{
    /// <summary>
    /// The name of the <see cref="System.Diagnostics.ActivitySource"/> that starts one activity (kind
    /// <see cref="System.Diagnostics.ActivityKind.Internal"/>) per call, parent of the runtime's per-attempt
    /// <c>System.Net.Http</c> client activities, stopped when the call ends.
    /// </summary>
    public const string ActivitySourceName = "Handlers.Eventing";

    /// <summary>
    /// The name of the <see cref="System.Diagnostics.Metrics.Meter"/> that records <c>http.client.request.body.size</c>,
    /// <c>http.client.response.body.size</c> and <c>handlers.eventing.call.duration</c>, once per call.
    /// </summary>
    public const string MeterName = "Handlers.Eventing";
}
