using System.Globalization;

namespace Handlers.Eventing.Benchmarks.Loopback;

/// <summary>
/// Per call with <see cref="EventingOptions.CollectTimings"/>, on real sockets, 1 KiB GET. Timings enable the runtime's HTTP,
/// socket and DNS EventSources for the whole process (while timed calls run and for two minutes after), so every call of every
/// client pays for them meanwhile. Hence two phases in one process: first without any timed call (no handler, handler without
/// listener), then, after one timed call turned the events on, the same two plus the handler collecting timings. The
/// cross-phase ratio (timings against the first phase's no handler) is not alternated; the second phase's ratios are.
/// </summary>
internal static class TimingsFamily
{
    public static async Task RunAsync(LoopbackServer server, int[] inFlightCounts, int rounds, int callsPerRound)
    {
        using var bare = new HttpClient(PerCallFamily.NewTransport());
        using var noListener = new HttpClient(new EventingHandler(PerCallFamily.NewTransport()));
        using var timed = new HttpClient(new EventingHandler(PerCallFamily.NewTransport(), new EventingOptions { CollectTimings = true }));
        var url = server.Item;
        var c = CultureInfo.InvariantCulture;
        var off = new Dictionary<int, IReadOnlyList<VariantResult>>();
        foreach (var inFlight in inFlightCounts)
        {
            var calls = callsPerRound * Math.Max(1, inFlight / 4);
            off[inFlight] = await AlternatingRounds.RunAsync(
                string.Create(c, $"loopback timings, phase 1 (runtime HTTP events off): GET 1 KiB, {inFlight} in flight"),
                [
                    new Variant("no handler (baseline)", () => PerCallFamily.RunCallsAsync(bare, url, inFlight, calls)),
                    new Variant("EventingHandler, no listener", () => PerCallFamily.RunCallsAsync(noListener, url, inFlight, calls)),
                ],
                rounds,
                calls).ConfigureAwait(false);
        }

        foreach (var inFlight in inFlightCounts)
        {
            var calls = callsPerRound * Math.Max(1, inFlight / 4);
            var on = await AlternatingRounds.RunAsync(
                string.Create(c, $"loopback timings, phase 2 (after a timed call: runtime HTTP events on for the process): GET 1 KiB, {inFlight} in flight"),
                [
                    new Variant("no handler (baseline)", () => PerCallFamily.RunCallsAsync(bare, url, inFlight, calls)),
                    new Variant("EventingHandler, no listener", () => PerCallFamily.RunCallsAsync(noListener, url, inFlight, calls)),
                    new Variant("EventingHandler, CollectTimings, no listener", () => PerCallFamily.RunCallsAsync(timed, url, inFlight, calls)),
                ],
                rounds,
                calls).ConfigureAwait(false);
            var baseline = off[inFlight][0];
            Console.WriteLine(string.Create(c,
                $"{inFlight} in flight, against phase 1's no handler (not alternated): CollectTimings CPU {on[2].MedianCpuSeconds / baseline.MedianCpuSeconds:0.000}, " +
                $"wall {on[2].MedianSeconds / baseline.MedianSeconds:0.000}, {on[2].MedianBytes - baseline.MedianBytes:+0} B per call; " +
                $"a bare call of another client while timings are on: CPU {on[0].MedianCpuSeconds / baseline.MedianCpuSeconds:0.000}, {on[0].MedianBytes - baseline.MedianBytes:+0} B per call"));
        }
    }
}
