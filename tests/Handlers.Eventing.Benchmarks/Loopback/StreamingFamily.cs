using System.Globalization;

namespace Handlers.Eventing.Benchmarks.Loopback;

/// <summary>
/// Streaming on real sockets: <c>GetAsync(ResponseHeadersRead)</c> of a large body read to its end with 4 KiB and 80 KiB
/// reads, without the handler (baseline), through an <see cref="EventingHandler"/> with httpData + httpDownloadProgress
/// listeners, and without the handler through a hand-written progress stream doing the same work.
/// </summary>
internal static class StreamingFamily
{
    private static long s_loaded;
    private static long s_bytes;

    public static async Task RunAsync(LoopbackServer server, long mebibytes, int[] readSizes, int rounds)
    {
        var url = server.File(mebibytes * 1024 * 1024);
        using var bare = new HttpClient(PerCallFamily.NewTransport());
        var options = new EventingOptions().OnCall(static call => call
            .On(HttpEvents.HttpDownloadProgress, static p => s_loaded = p.Loaded)
            .On(HttpEvents.HttpData, static d => s_bytes += d.Chunk.Length));
        using var observed = new HttpClient(new EventingHandler(PerCallFamily.NewTransport(), options));
        using var handWritten = new HttpClient(PerCallFamily.NewTransport());
        foreach (var readSize in readSizes)
        {
            var buffer = new byte[readSize];
            var results = await AlternatingRounds.RunAsync(
                string.Create(CultureInfo.InvariantCulture, $"loopback streaming: {mebibytes} MiB, {readSize / 1024} KiB reads (time per MiB; throughput ratio = 1 / time ratio)"),
                [
                    new Variant("no handler (baseline)", () => ReadAllAsync(bare, url, buffer, wrap: false)),
                    new Variant("EventingHandler, httpData + progress listeners", () => ReadAllAsync(observed, url, buffer, wrap: false)),
                    new Variant("no handler, hand-written progress stream", () => ReadAllAsync(handWritten, url, buffer, wrap: true)),
                ],
                rounds,
                mebibytes).ConfigureAwait(false);
            var baseline = results[0];
            var handler = results[1];
            var stream = results[2];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"throughput ratio, handler / no handler: {1 / handler.RatioOfMedians:0.000} (medians), {1 / handler.MedianRoundRatio:0.000} (median of rounds); " +
                $"handler / hand-written stream: {stream.MedianSeconds / handler.MedianSeconds:0.000}; hand-written / no handler: {1 / stream.RatioOfMedians:0.000}; " +
                $"baseline {1 / baseline.MedianSeconds:0} MiB/s"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"CPU per MiB, handler / no handler: {handler.CpuRatioOfMedians:0.000} (medians), {handler.CpuMedianRoundRatio:0.000} (median of rounds); " +
                $"handler / hand-written stream: {handler.MedianCpuSeconds / stream.MedianCpuSeconds:0.000}"));
        }
    }

    private static async Task ReadAllAsync(HttpClient client, Uri url, byte[] buffer, bool wrap)
    {
        using var response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
        var stream = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
        if (wrap)
        {
            stream = new ProgressReportingStream(
                stream, response.Content.Headers.ContentLength, static chunk => s_bytes += chunk.Length, static (loaded, _) => s_loaded = loaded);
        }

        await using (stream.ConfigureAwait(false))
        {
            while (await stream.ReadAsync(buffer).ConfigureAwait(false) > 0)
            {
            }
        }
    }
}
