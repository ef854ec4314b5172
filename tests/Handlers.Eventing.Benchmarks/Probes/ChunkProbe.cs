using System.Globalization;
using Handlers.Eventing.Benchmarks.Infrastructure;
using Handlers.Eventing.Benchmarks.Loopback;
using Handlers.Eventing.Testing;

namespace Handlers.Eventing.Benchmarks.Probes;

/// <summary>
/// The handler's work per body chunk, in memory, as <see cref="Calls.BodyChunkBenchmarks"/> measures it, but in many short
/// alternated rounds with medians: on a shared machine the median of short rounds keeps the rounds nothing preempted, where a
/// BenchmarkDotNet mean does not. Each round is <c>reads</c> 4 KiB <c>ReadAsync</c> calls on one open endless body. Run with
/// <c>-- chunk [rounds] [reads]</c>.
/// </summary>
internal static class ChunkProbe
{
    private static readonly Uri s_uri = new("http://localhost/endless");
    private static long s_loaded;
    private static long s_bytes;

    public static async Task<int> RunAsync(string[] args)
    {
        var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 201;
        var reads = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 20_000;
        static HttpContent Body(HttpRequestMessage _) => new StreamContent(GeneratingStream.Endless());
        using var bare = new HttpClient(new InMemoryHandler(Body));
        using var noListener = new HttpClient(new EventingHandler(new InMemoryHandler(Body)));
        using var progressOnly = new HttpClient(new EventingHandler(
            new InMemoryHandler(Body), new EventingOptions().OnCall(static call => call.On(HttpEvents.HttpDownloadProgress, static p => s_loaded = p.Loaded))));
        using var both = new HttpClient(new EventingHandler(new InMemoryHandler(Body), new EventingOptions().OnCall(static call => call
            .On(HttpEvents.HttpDownloadProgress, static p => s_loaded = p.Loaded)
            .On(HttpEvents.HttpData, static d => s_bytes += d.Chunk.Length))));
        var buffer = new byte[4096];
        var streams = new List<Stream>();
        async Task<Stream> OpenAsync(HttpClient client)
        {
            var response = await client.GetAsync(s_uri, HttpCompletionOption.ResponseHeadersRead);
            var stream = await response.Content.ReadAsStreamAsync();
            streams.Add(stream);
            return stream;
        }

        async Task ReadAsync(Stream stream)
        {
            for (var i = 0; i < reads; i++)
            {
                _ = await stream.ReadAsync(buffer);
            }
        }

        var rawStream = await OpenAsync(bare);
        var noListenerStream = await OpenAsync(noListener);
        var progressStream = await OpenAsync(progressOnly);
        var bothStream = await OpenAsync(both);

        // What users write instead (issue 22's reference for the per-chunk target): a counting wrapper with a progress and a data
        // callback over the bare client's stream.
        var handWritten = new ProgressReportingStream(
            await OpenAsync(bare), total: null, static d => s_bytes += d.Length, static (loaded, _) => s_loaded = loaded);
        var results = await AlternatingRounds.RunAsync(
            "in-memory chunk probe: 4 KiB ReadAsync on an endless body that copies nothing (time per read)",
            [
                new Variant("raw read (baseline)", () => ReadAsync(rawStream)),
                new Variant("through the handler, no listener", () => ReadAsync(noListenerStream)),
                new Variant("through the handler, progress listener", () => ReadAsync(progressStream)),
                new Variant("through the handler, httpData + progress listeners", () => ReadAsync(bothStream)),
                new Variant("hand-written counting stream, data + progress callbacks (no handler)", () => ReadAsync(handWritten)),
            ],
            rounds,
            reads,
            warmupRounds: 20);
        var c = CultureInfo.InvariantCulture;
        var reference = results[^1];
        Console.WriteLine(string.Create(c,
            $"httpData + progress listeners against the hand-written stream: {results[3].MedianSeconds / reference.MedianSeconds:0.00}x the time per chunk (target <= 1.2x)"));
        foreach (var result in results.Skip(1))
        {
            Console.WriteLine(string.Create(c, $"{result.Name}: the handler adds {(result.MedianSeconds - results[0].MedianSeconds) * 1e9:0.0} ns per chunk, {result.BytesOverBaseline:0.00} B per chunk"));
        }

        foreach (var stream in streams)
        {
            await stream.DisposeAsync();
        }

        return 0;
    }
}
