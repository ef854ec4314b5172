using BenchmarkDotNet.Attributes;
using Handlers.Eventing.Benchmarks.Infrastructure;
using Handlers.Eventing.Testing;

namespace Handlers.Eventing.Benchmarks.Calls;

/// <summary>
/// Reading a large body through the handler with httpData + httpDownloadProgress listeners vs the raw stream, at 4 KiB and
/// 80 KiB reads, for two body sizes (allocations must not grow with the size).
/// </summary>
[MemoryDiagnoser]
public class StreamingBenchmarks
{
    private static readonly Uri s_uri = new("http://localhost/large");
    private HttpClient _bare = null!;
    private HttpClient _observed = null!;
    private byte[] _buffer = null!;

    [Params(64L * 1024 * 1024, 256L * 1024 * 1024)]
    public long BodySize { get; set; }

    [Params(4 * 1024, 80 * 1024)]
    public int ReadSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var size = BodySize;
        HttpContent Body(HttpRequestMessage _) => new StreamContent(new GeneratingStream(size));
        _bare = new HttpClient(new InMemoryHandler(Body));
        long loaded = 0;
        long bytes = 0;
        var options = new EventingOptions().OnCall(call => call
            .On(HttpEvents.HttpDownloadProgress, p => loaded = p.Loaded)
            .On(HttpEvents.HttpData, d => bytes += d.Chunk.Length));
        _observed = new HttpClient(new EventingHandler(new InMemoryHandler(Body), options));
        _buffer = new byte[ReadSize];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _bare.Dispose();
        _observed.Dispose();
    }

    [Benchmark(Baseline = true)]
    public async Task<long> RawStream() => await ReadAllAsync(_bare);

    [Benchmark]
    public async Task<long> ThroughHandlerWithListeners() => await ReadAllAsync(_observed);

    private async Task<long> ReadAllAsync(HttpClient client)
    {
        using var response = await client.GetAsync(s_uri, HttpCompletionOption.ResponseHeadersRead);
        await using var stream = await response.Content.ReadAsStreamAsync();
        long total = 0;
        int read;
        while ((read = await stream.ReadAsync(_buffer)) > 0)
        {
            total += read;
        }

        return total;
    }
}
