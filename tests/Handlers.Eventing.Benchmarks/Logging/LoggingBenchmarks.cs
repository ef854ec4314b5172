using BenchmarkDotNet.Attributes;
using Handlers.Eventing.Benchmarks.Infrastructure;

namespace Handlers.Eventing.Benchmarks.Logging;

/// <summary>
/// Lifecycle logging in memory, where the logging's own cost is not hidden by the transport: <c>GetAsync</c> of a 1 KiB body
/// through <c>IHttpClientFactory</c> clients over an in-memory primary handler, all writing to the same formatting logger
/// provider at Information (see <see cref="LoggingClients"/>).
/// </summary>
[MemoryDiagnoser]
public class LoggingBenchmarks
{
    private static readonly byte[] s_body = new byte[1024];
    private static readonly Uri s_uri = new("http://localhost/item");
    private LoggingClients _clients = null!;
    private HttpClient _none = null!;
    private HttpClient _factory = null!;
    private HttpClient _lifecycle = null!;
    private HttpClient _eventing = null!;

    [GlobalSetup]
    public void Setup()
    {
        _clients = new LoggingClients(static () => new InMemoryHandler(static _ => new ByteArrayContent(s_body)));
        _none = _clients.Clients[LoggingClients.None];
        _factory = _clients.Clients[LoggingClients.FactoryLogging];
        _lifecycle = _clients.Clients[LoggingClients.LogLifecycle];
        _eventing = _clients.Clients[LoggingClients.EventingOnly];
    }

    [GlobalCleanup]
    public void Cleanup() => _clients.Dispose();

    [Benchmark(Baseline = true)]
    public async Task<int> NoLogging() => await GetAsync(_none);

    [Benchmark]
    public async Task<int> FactoryDefaultLogging() => await GetAsync(_factory);

    [Benchmark]
    public async Task<int> EventingLogLifecycle() => await GetAsync(_lifecycle);

    [Benchmark]
    public async Task<int> EventingNoLogging() => await GetAsync(_eventing);

    private static async Task<int> GetAsync(HttpClient client)
    {
        using var response = await client.GetAsync(s_uri);
        return (int)response.StatusCode;
    }
}
