using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;

namespace Handlers.Eventing.Benchmarks.Loopback;

/// <summary>
/// Per call with the library's telemetry listened to, on real sockets, 1 KiB GET. Telemetry is process-wide (it starts when an
/// <see cref="ActivityListener"/> samples the <see cref="EventingTelemetry.ActivitySourceName"/> source or a
/// <see cref="MeterListener"/> enables an instrument of <see cref="EventingTelemetry.MeterName"/>), so two phases in one
/// process: without any listener (no handler, handler), then with an activity listener that records every activity and a
/// meter listener on every instrument (no handler, handler). Only the library's own source and meter are listened to, so the
/// client without the handler creates no activity in either phase.
/// </summary>
internal static class TelemetryFamily
{
    private static long s_measurements;

    public static async Task RunAsync(LoopbackServer server, int[] inFlightCounts, int rounds, int callsPerRound)
    {
        using var bare = new HttpClient(PerCallFamily.NewTransport());
        using var handler = new HttpClient(new EventingHandler(PerCallFamily.NewTransport()));
        var url = server.Item;
        var c = CultureInfo.InvariantCulture;
        foreach (var inFlight in inFlightCounts)
        {
            var calls = callsPerRound * Math.Max(1, inFlight / 4);
            await AlternatingRounds.RunAsync(
                string.Create(c, $"loopback telemetry, phase 1 (no telemetry listener): GET 1 KiB, {inFlight} in flight"),
                [
                    new Variant("no handler (baseline)", () => PerCallFamily.RunCallsAsync(bare, url, inFlight, calls)),
                    new Variant("EventingHandler, no listener", () => PerCallFamily.RunCallsAsync(handler, url, inFlight, calls)),
                ],
                rounds,
                calls).ConfigureAwait(false);
        }

        using var activities = new ActivityListener
        {
            ShouldListenTo = static source => source.Name == EventingTelemetry.ActivitySourceName,
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(activities);
        using var meters = new MeterListener
        {
            InstrumentPublished = static (instrument, listener) =>
            {
                if (instrument.Meter.Name == EventingTelemetry.MeterName)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        meters.SetMeasurementEventCallback<double>(static (_, _, _, _) => Interlocked.Increment(ref s_measurements));
        meters.SetMeasurementEventCallback<long>(static (_, _, _, _) => Interlocked.Increment(ref s_measurements));
        meters.Start();
        foreach (var inFlight in inFlightCounts)
        {
            var calls = callsPerRound * Math.Max(1, inFlight / 4);
            await AlternatingRounds.RunAsync(
                string.Create(c, $"loopback telemetry, phase 2 (activities recorded, every instrument measured): GET 1 KiB, {inFlight} in flight"),
                [
                    new Variant("no handler (baseline)", () => PerCallFamily.RunCallsAsync(bare, url, inFlight, calls)),
                    new Variant("EventingHandler, telemetry listened, no event listener", () => PerCallFamily.RunCallsAsync(handler, url, inFlight, calls)),
                ],
                rounds,
                calls).ConfigureAwait(false);
        }

        Console.WriteLine(string.Create(c, $"measurements recorded: {Interlocked.Read(ref s_measurements)}"));
    }
}
