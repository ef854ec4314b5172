using System.Globalization;
using System.Net;

namespace Handlers.Eventing.Benchmarks.Loopback;

/// <summary>
/// Decoding on real sockets (design.md r3, <c>ResponseBody.AutomaticDecompression</c>): a large gzip body read to its end with
/// <c>GetAsync(ResponseHeadersRead)</c> and 80 KiB reads, decoded by <c>SocketsHttpHandler.AutomaticDecompression</c>
/// (baseline, and its A/A twin that shows the run's noise) and by the library behind an <see cref="EventingHandler"/>, with
/// and without a progress listener.
/// </summary>
internal static class DecodingFamily
{
    private static long s_loaded;
    private static long s_bytes;

    public static async Task RunAsync(LoopbackServer server, long mebibytes, int rounds, int readSize)
    {
        var size = mebibytes * 1024 * 1024;
        var url = server.GzipFile(size);
        var encodedLength = LoopbackServer.Gzipped(size).Length;
        using var runtime = new HttpClient(Decoding());
        using var runtimeAgain = new HttpClient(Decoding());
        var library = new EventingOptions { ResponseBody = { AutomaticDecompression = DecompressionMethods.GZip } };
        using var libraryBare = new HttpClient(new EventingHandler(PerCallFamily.NewTransport(), library));
        var listened = new EventingOptions { ResponseBody = { AutomaticDecompression = DecompressionMethods.GZip } }.OnCall(static call => call
            .On(HttpEvents.HttpDownloadProgress, static p => s_loaded = p.WireLoaded ?? 0)
            .On(HttpEvents.HttpData, static d => s_bytes += d.Chunk.Length));
        using var libraryListened = new HttpClient(new EventingHandler(PerCallFamily.NewTransport(), listened));
        var buffer = new byte[readSize];
        var results = await AlternatingRounds.RunAsync(
            string.Create(CultureInfo.InvariantCulture,
                $"loopback decoding: {mebibytes} MiB of text as {encodedLength / 1048576.0:0.0} MiB gzip, {readSize / 1024} KiB reads (per decoded MiB)"),
            [
                new Variant("SocketsHttpHandler AutomaticDecompression = GZip (baseline)", () => ReadAllAsync(runtime, url, buffer)),
                new Variant("A/A: a second client, the same", () => ReadAllAsync(runtimeAgain, url, buffer)),
                new Variant("EventingHandler, ResponseBody.AutomaticDecompression = GZip, no listener", () => ReadAllAsync(libraryBare, url, buffer)),
                new Variant("EventingHandler, ResponseBody.AutomaticDecompression = GZip, httpData + progress listeners", () => ReadAllAsync(libraryListened, url, buffer)),
            ],
            rounds,
            mebibytes).ConfigureAwait(false);

        var chunks = (double)size / readSize;
        Console.WriteLine();
        Console.WriteLine("| Variant | Bytes per call | vs baseline per call | vs baseline per chunk |");
        Console.WriteLine("|---|---:|---:|---:|");
        foreach (var result in results)
        {
            var perCall = result.MedianBytes * mebibytes;
            var over = result.BytesOverBaseline * mebibytes;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {result.Name} | {perCall:0} B | {over:+0;-0;0} B | {over / chunks:+0.00;-0.00;0} B |"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"({chunks:0} chunks of {readSize / 1024} KiB per call; the last progress event saw {s_loaded} of {encodedLength} encoded bytes)"));
    }

    private static SocketsHttpHandler Decoding()
    {
        var handler = PerCallFamily.NewTransport();
        handler.AutomaticDecompression = DecompressionMethods.GZip;
        return handler;
    }

    private static async Task ReadAllAsync(HttpClient client, Uri url, byte[] buffer)
    {
        using var response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
        var stream = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            while (await stream.ReadAsync(buffer).ConfigureAwait(false) > 0)
            {
            }
        }
    }
}
