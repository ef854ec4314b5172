using BenchmarkDotNet.Attributes;
using Handlers.Eventing.Benchmarks.Infrastructure;

namespace Handlers.Eventing.Benchmarks.Calls;

/// <summary>
/// A 64 MiB request body (ByteArrayContent and StreamContent) copied into a null transport, bare vs through the
/// upload-progress wrapper with a listener (which slices large writes into 64 KiB pieces).
/// </summary>
[MemoryDiagnoser]
public class UploadBenchmarks
{
    private const int Size = 64 * 1024 * 1024;
    private static readonly Uri s_uri = new("http://localhost/upload");
    private static readonly byte[] s_payload = new byte[Size];
    private HttpClient _bare = null!;
    private HttpClient _observed = null!;

    [Params("ByteArrayContent", "StreamContent")]
    public string Content { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        static HttpContent Empty(HttpRequestMessage _) => new ByteArrayContent([]);
        _bare = new HttpClient(new InMemoryHandler(Empty, consumeRequestBody: true));
        long loaded = 0;
        var options = new EventingOptions().OnCall(call => call.On(HttpEvents.HttpUploadProgress, p => loaded = p.Loaded));
        _observed = new HttpClient(new EventingHandler(new InMemoryHandler(Empty, consumeRequestBody: true), options));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _bare.Dispose();
        _observed.Dispose();
    }

    [Benchmark(Baseline = true)]
    public async Task<int> Unwrapped() => await PostAsync(_bare);

    [Benchmark]
    public async Task<int> WithUploadProgress() => await PostAsync(_observed);

    private async Task<int> PostAsync(HttpClient client)
    {
        HttpContent content = Content == "StreamContent" ? new StreamContent(new MemoryStream(s_payload, writable: false)) : new ByteArrayContent(s_payload);
        using var response = await client.PostAsync(s_uri, content);
        return (int)response.StatusCode;
    }
}
