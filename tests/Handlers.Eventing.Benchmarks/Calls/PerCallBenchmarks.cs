using BenchmarkDotNet.Attributes;
using Handlers.Eventing.Benchmarks.Infrastructure;

namespace Handlers.Eventing.Benchmarks.Calls;

/// <summary>
/// The cost of the handler per call: HttpClient over an in-memory handler answering a 1 KiB body (buffered, the default
/// GetAsync), bare vs with an EventingHandler and no listener vs with every event listened to by a no-op.
/// </summary>
[MemoryDiagnoser]
public class PerCallBenchmarks
{
    private static readonly byte[] s_body = new byte[1024];
    private static readonly Uri s_uri = new("http://localhost/item");
    private HttpClient _bare = null!;
    private HttpClient _noListeners = null!;
    private HttpClient _allListeners = null!;

    [GlobalSetup]
    public void Setup()
    {
        static HttpContent Body(HttpRequestMessage _) => new ByteArrayContent(s_body);
        _bare = new HttpClient(new InMemoryHandler(Body));
        _noListeners = new HttpClient(new EventingHandler(new InMemoryHandler(Body)));
        var options = new EventingOptions().OnCall(static call => call
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
        _allListeners = new HttpClient(new EventingHandler(new InMemoryHandler(Body), options));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _bare.Dispose();
        _noListeners.Dispose();
        _allListeners.Dispose();
    }

    [Benchmark(Baseline = true)]
    public async Task<int> Bare() => await GetAsync(_bare);

    [Benchmark]
    public async Task<int> NoListeners() => await GetAsync(_noListeners);

    [Benchmark]
    public async Task<int> EveryEventListened() => await GetAsync(_allListeners);

    private static async Task<int> GetAsync(HttpClient client)
    {
        using var response = await client.GetAsync(s_uri);
        return (int)response.StatusCode;
    }
}
