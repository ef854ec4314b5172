using System.Globalization;

namespace Handlers.Eventing.Benchmarks.Loopback;

/// <summary>
/// Per call on real sockets: <c>GetAsync</c> of a 1 KiB body (buffered, the default completion option) with 1 and with 16
/// calls in flight, without the handler (baseline), with an <see cref="EventingHandler"/> and no listener, and with a no-op
/// listener on every one of the ten events of every call; an A/A row (a second client without the handler) shows the noise
/// of the run. Timings are measured apart (<see cref="TimingsFamily"/>): turning
/// them on enables the runtime's HTTP events for the whole process, which would slow the other rows too.
/// </summary>
internal static class PerCallFamily
{
    public static async Task RunAsync(LoopbackServer server, int[] inFlightCounts, int rounds, int callsPerRound)
    {
        foreach (var inFlight in inFlightCounts)
        {
            using var bare = new HttpClient(NewTransport());
            using var bareAgain = new HttpClient(NewTransport());
            using var noListeners = new HttpClient(new EventingHandler(NewTransport()));
            using var everyEvent = new HttpClient(new EventingHandler(NewTransport(), EveryEventListened()));
            var calls = callsPerRound * Math.Max(1, inFlight / 4);
            var url = server.Item;
            await AlternatingRounds.RunAsync(
                string.Create(CultureInfo.InvariantCulture, $"loopback percall: GET 1 KiB, {inFlight} in flight"),
                [
                    new Variant("no handler (baseline)", () => RunCallsAsync(bare, url, inFlight, calls)),

                    // The A/A row: a second client without the handler, on its own connections. Its distance from 1.00 is the run's noise.
                    new Variant("no handler again (A/A)", () => RunCallsAsync(bareAgain, url, inFlight, calls)),
                    new Variant("EventingHandler, no listener", () => RunCallsAsync(noListeners, url, inFlight, calls)),
                    new Variant("EventingHandler, every event listened", () => RunCallsAsync(everyEvent, url, inFlight, calls)),
                ],
                rounds,
                calls).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A diagnosis, not a target: what a real-socket call costs with layers that do part of the handler's work (two async
    /// pass-through handlers; plus a forwarding content wrapper), next to the handler without listeners.
    /// </summary>
    public static async Task RunLayersAsync(LoopbackServer server, int[] inFlightCounts, int rounds, int callsPerRound)
    {
        foreach (var inFlight in inFlightCounts)
        {
            using var bare = new HttpClient(NewTransport());
            using var layers = new HttpClient(PassThroughLayers.TwoAsyncLayers(NewTransport()));
            using var wrapped = new HttpClient(PassThroughLayers.TwoAsyncLayersAndContentWrapper(NewTransport()));
            using var noListeners = new HttpClient(new EventingHandler(NewTransport()));
            var calls = callsPerRound * Math.Max(1, inFlight / 4);
            var url = server.Item;
            await AlternatingRounds.RunAsync(
                string.Create(CultureInfo.InvariantCulture, $"loopback layers: GET 1 KiB, {inFlight} in flight"),
                [
                    new Variant("no handler (baseline)", () => RunCallsAsync(bare, url, inFlight, calls)),
                    new Variant("two async pass-through handlers", () => RunCallsAsync(layers, url, inFlight, calls)),
                    new Variant("two async pass-through handlers + content wrapper", () => RunCallsAsync(wrapped, url, inFlight, calls)),
                    new Variant("EventingHandler, no listener", () => RunCallsAsync(noListeners, url, inFlight, calls)),
                ],
                rounds,
                calls).ConfigureAwait(false);
        }
    }

    /// <summary>A no-op listener on each of the ten events, added to every call by the client-level configuration.</summary>
    public static EventingOptions EveryEventListened() => new EventingOptions().OnCall(static call => call
        .On(HttpEvents.HttpUploadProgress, static _ => { })
        .On(HttpEvents.HttpHeaders, static _ => { })
        .On(HttpEvents.HttpDownloadProgress, static _ => { })
        .On(HttpEvents.HttpData, static _ => { })
        .On(HttpEvents.HttpError, static _ => { })
        .On(HttpEvents.HttpDone, static _ => { })
        .On(HttpEvents.Retry, static _ => { })
        .On(HttpEvents.Success, static _ => { })
        .On(HttpEvents.Error, static _ => { })
        .On(HttpEvents.Complete, static _ => { }));

    public static SocketsHttpHandler NewTransport() => new() { PooledConnectionLifetime = Timeout.InfiniteTimeSpan };

    public static async Task RunCallsAsync(HttpClient client, Uri url, int inFlight, int calls)
    {
        var remaining = calls;
        var workers = new Task[inFlight];
        for (var w = 0; w < inFlight; w++)
        {
            workers[w] = Task.Run(async () =>
            {
                while (Interlocked.Decrement(ref remaining) >= 0)
                {
                    using var response = await client.GetAsync(url).ConfigureAwait(false);
                    if (!response.IsSuccessStatusCode)
                    {
                        throw new InvalidOperationException($"Unexpected status {response.StatusCode}.");
                    }
                }
            });
        }

        await Task.WhenAll(workers).ConfigureAwait(false);
    }
}
