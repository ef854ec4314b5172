using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Handlers.Eventing.Internal;

/// <summary>The process-wide <see cref="ActivitySource"/>, <see cref="Meter"/> and instruments of the library.</summary>
/// <remarks>
/// Static like the runtime's own <c>System.Net.Http</c> source and meter: a call has no DI container to ask for an
/// <c>IMeterFactory</c> when it goes through <c>new HttpClient(new EventingHandler())</c>, and listeners select by name.
/// </remarks>
internal static class EventingDiagnostics
{
    private static readonly string? s_version = typeof(EventingDiagnostics).Assembly.GetName().Version?.ToString();

    /// <summary>Gets the source of the per-call activities.</summary>
    public static ActivitySource ActivitySource { get; } = new(EventingTelemetry.ActivitySourceName, s_version);

    /// <summary>Gets the meter of the per-call instruments.</summary>
    public static Meter Meter { get; } = new(EventingTelemetry.MeterName, s_version);

    /// <summary>Gets <c>http.client.request.body.size</c>: the request body bytes of each attempt whose request has content.</summary>
    public static Histogram<long> RequestBodySize { get; } = Meter.CreateHistogram(
        TelemetryNames.RequestBodySizeInstrument,
        unit: "By",
        description: "Size of the HTTP request body of an attempt that has request content, recorded when the attempt ends.",
        tags: null,
        advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = SizeBuckets() });

    /// <summary>Gets <c>http.client.response.body.size</c>: the response body bytes on the wire, once per attempt that got a response.</summary>
    public static Histogram<long> ResponseBodySize { get; } = Meter.CreateHistogram(
        TelemetryNames.ResponseBodySizeInstrument,
        unit: "By",
        description: "Size of the HTTP response body of an attempt as received from the network (encoded, when it was encoded), recorded when its body closes.",
        tags: null,
        advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = SizeBuckets() });

    /// <summary>Gets <c>handlers.eventing.call.duration</c>: from the start of the call to its end, body included.</summary>
    public static Histogram<double> CallDuration { get; } = Meter.CreateHistogram(
        TelemetryNames.CallDurationInstrument,
        unit: "s",
        description: "Duration of an HTTP call from its start to its end: the last byte of the body, the failure, the abort or the disposal, retries included.",
        tags: null,
        advice: new InstrumentAdvice<double>
        {
            // The conventions' boundaries for http.client.request.duration, then longer ones: a body can take minutes.
            HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 30, 60, 120, 300],
        });

    /// <summary>Gets a value indicating whether any instrument is measured by a listener now.</summary>
    public static bool AnyInstrumentEnabled => RequestBodySize.Enabled || ResponseBodySize.Enabled || CallDuration.Enabled;

    // 0, then powers of 4 from 64 B to 4 GiB.
    private static long[] SizeBuckets()
    {
        var buckets = new long[15];
        long size = 64;
        for (var i = 1; i < buckets.Length; i++)
        {
            buckets[i] = size;
            size *= 4;
        }

        return buckets;
    }
}
