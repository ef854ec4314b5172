using BenchmarkDotNet.Attributes;
using Handlers.Eventing.Internal;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Handlers.Eventing.Benchmarks.Timings;

/// <summary>
/// What collecting timings costs per call: a small GET on a pooled connection to Kestrel on 127.0.0.1, without timings
/// (the listener off: the runtime raises no event), with an <see cref="AttemptTimer"/> per call (the listener on), and a
/// client that does not collect timings while another one does (the EventSources are process-wide).
/// </summary>
[MemoryDiagnoser]
public class TimingsBenchmarks
{
    private WebApplication _app = null!;
    private Uri _url = null!;
    private HttpClient _bare = null!;
    private HttpClient _timed = null!;

    [GlobalSetup(Targets = [nameof(TimingsOff), nameof(TimingsOn)])]
    public async Task SetupAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _app = builder.Build();
        _app.MapGet("/hi", static (HttpContext context) => context.Response.WriteAsync("hi"));
        await _app.StartAsync();
        _url = new Uri(new Uri(_app.Urls.First()), "hi");
        _bare = new HttpClient(new SocketsHttpHandler());
        _timed = new HttpClient(new TimedHandler(new SocketsHttpHandler()));
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        _bare.Dispose();
        _timed.Dispose();
        if (TimingsListenerHost.IsListening && !TimingsListenerHost.TryStopNow())
        {
            TimingsListenerHost.Release();
            TimingsListenerHost.TryStopNow();
        }

        await _app.DisposeAsync();
    }

    [GlobalSetup(Target = nameof(OtherClientWhileTimingsCollected))]
    public async Task SetupListeningAsync()
    {
        await SetupAsync();
        TimingsListenerHost.Acquire(); // as if a timed attempt of another client ran during the whole benchmark
    }

    [Benchmark(Baseline = true, Description = "GET, timings off")]
    public Task<byte[]> TimingsOff() => _bare.GetByteArrayAsync(_url);

    [Benchmark(Description = "GET, timings on (AttemptTimer)")]
    public Task<byte[]> TimingsOn() => _timed.GetByteArrayAsync(_url);

    [Benchmark(Description = "GET of another client while timings are on")]
    public Task<byte[]> OtherClientWhileTimingsCollected() => _bare.GetByteArrayAsync(_url);

    private sealed class TimedHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var timer = AttemptTimer.Start();
            try
            {
                var response = await base.SendAsync(request, cancellationToken);
                timer.OnHeaders();
                _ = timer.Snapshot();
                await response.Content.LoadIntoBufferAsync(cancellationToken);
                return response;
            }
            finally
            {
                timer.OnEnd();
                _ = timer.Snapshot();
            }
        }
    }
}
