using BenchmarkDotNet.Attributes;
using Handlers.Eventing.Benchmarks.Infrastructure;
using Handlers.Eventing.Testing;

namespace Handlers.Eventing.Benchmarks.Calls;

/// <summary>
/// The handler's own work per body chunk: 1,000 <c>ReadAsync</c> calls of 4 KiB on one open response body whose source never
/// ends and copies nothing, read raw (baseline) and through an <see cref="EventingHandler"/> with httpData + httpDownloadProgress
/// listeners. Figures are per read (per chunk); the difference of the two rows is what the handler adds to each chunk, and the
/// allocation column is per chunk (the call's own allocations happen in the setup). Two more rows split that cost: the handler
/// with no listener (the body observer's own bookkeeping) and with a progress listener only (one emit per chunk).
/// </summary>
[MemoryDiagnoser]
public class BodyChunkBenchmarks
{
    private const int Reads = 1000;
    private static readonly Uri s_uri = new("http://localhost/endless");
    private readonly byte[] _buffer = new byte[4096];
    private HttpClient _bare = null!;
    private HttpClient _observed = null!;
    private HttpClient _noListeners = null!;
    private HttpClient _progressOnly = null!;
    private HttpResponseMessage _bareResponse = null!;
    private HttpResponseMessage _observedResponse = null!;
    private Stream _bareStream = null!;
    private Stream _observedStream = null!;
    private HttpResponseMessage _noListenersResponse = null!;
    private Stream _noListenersStream = null!;
    private HttpResponseMessage _progressOnlyResponse = null!;
    private Stream _progressOnlyStream = null!;
    private long _loaded;
    private long _bytes;

    [GlobalSetup]
    public void Setup()
    {
        static HttpContent Body(HttpRequestMessage _) => new StreamContent(GeneratingStream.Endless());
        _bare = new HttpClient(new InMemoryHandler(Body));
        var options = new EventingOptions().OnCall(call => call
            .On(HttpEvents.HttpDownloadProgress, p => _loaded = p.Loaded)
            .On(HttpEvents.HttpData, d => _bytes += d.Chunk.Length));
        _observed = new HttpClient(new EventingHandler(new InMemoryHandler(Body), options));
        _noListeners = new HttpClient(new EventingHandler(new InMemoryHandler(Body)));
        _progressOnly = new HttpClient(new EventingHandler(
            new InMemoryHandler(Body), new EventingOptions().OnCall(call => call.On(HttpEvents.HttpDownloadProgress, p => _loaded = p.Loaded))));
        (_noListenersResponse, _noListenersStream) = Open(_noListeners);
        (_progressOnlyResponse, _progressOnlyStream) = Open(_progressOnly);
        _bareResponse = _bare.GetAsync(s_uri, HttpCompletionOption.ResponseHeadersRead).GetAwaiter().GetResult();
        _bareStream = _bareResponse.Content.ReadAsStreamAsync().GetAwaiter().GetResult();
        _observedResponse = _observed.GetAsync(s_uri, HttpCompletionOption.ResponseHeadersRead).GetAwaiter().GetResult();
        _observedStream = _observedResponse.Content.ReadAsStreamAsync().GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _noListenersStream.Dispose();
        _progressOnlyStream.Dispose();
        _noListenersResponse.Dispose();
        _progressOnlyResponse.Dispose();
        _noListeners.Dispose();
        _progressOnly.Dispose();
        _bareStream.Dispose();
        _observedStream.Dispose();
        _bareResponse.Dispose();
        _observedResponse.Dispose();
        _bare.Dispose();
        _observed.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Reads)]
    public async Task<long> RawRead() => await ReadAsync(_bareStream);

    [Benchmark(OperationsPerInvoke = Reads)]
    public async Task<long> ThroughHandlerNoListener() => await ReadAsync(_noListenersStream);

    [Benchmark(OperationsPerInvoke = Reads)]
    public async Task<long> ThroughHandlerProgressOnly() => await ReadAsync(_progressOnlyStream);

    [Benchmark(OperationsPerInvoke = Reads)]
    public async Task<long> ThroughHandlerWithListeners() => await ReadAsync(_observedStream);

    private static (HttpResponseMessage Response, Stream Stream) Open(HttpClient client)
    {
        var response = client.GetAsync(s_uri, HttpCompletionOption.ResponseHeadersRead).GetAwaiter().GetResult();
        return (response, response.Content.ReadAsStreamAsync().GetAwaiter().GetResult());
    }

    private async Task<long> ReadAsync(Stream stream)
    {
        long total = 0;
        for (var i = 0; i < Reads; i++)
        {
            total += await stream.ReadAsync(_buffer);
        }

        return total;
    }
}
