using System.Diagnostics;
using System.Diagnostics.Metrics;
using BenchmarkDotNet.Attributes;
using Handlers.Eventing.Benchmarks.Infrastructure;

namespace Handlers.Eventing.Benchmarks.Telemetry;

/// <summary>
/// Pay for play: one call (HttpClient over an in-memory handler, 1 KiB body, buffered) through an EventingHandler with nobody
/// listening to the library's ActivitySource and Meter, against the same call with an ActivityListener that records every
/// activity and a MeterListener that takes every measurement (what an OpenTelemetry SDK with AddSource/AddMeter does).
/// </summary>
[MemoryDiagnoser]
public class TelemetryBenchmarks
{
    private static readonly byte[] s_body = new byte[1024];
    private static readonly Uri s_uri = new("http://localhost/item?id=42");
    private HttpClient _client = null!;
    private ActivityListener? _activities;
    private MeterListener? _meters;
    private long _measured;

    [GlobalSetup(Target = nameof(NoListener))]
    public void SetupNoListener() => _client = NewClient();

    [GlobalSetup(Target = nameof(Listened))]
    public void SetupListened()
    {
        _client = NewClient();
        _activities = new ActivityListener
        {
            ShouldListenTo = static source => source.Name == EventingTelemetry.ActivitySourceName,
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(_activities);
        _meters = new MeterListener
        {
            InstrumentPublished = static (instrument, listener) =>
            {
                if (instrument.Meter.Name == EventingTelemetry.MeterName)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        _meters.SetMeasurementEventCallback<long>((_, value, _, _) => _measured += value);
        _meters.SetMeasurementEventCallback<double>((_, _, _, _) => _measured++);
        _meters.Start();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _client.Dispose();
        _activities?.Dispose();
        _meters?.Dispose();
    }

    [Benchmark(Baseline = true)]
    public async Task<int> NoListener() => await GetAsync(_client);

    [Benchmark]
    public async Task<int> Listened() => await GetAsync(_client);

    private static HttpClient NewClient() =>
        new(new EventingHandler(new InMemoryHandler(static _ => new ByteArrayContent(s_body))));

    private static async Task<int> GetAsync(HttpClient client)
    {
        using var response = await client.GetAsync(s_uri);
        return (int)response.StatusCode;
    }
}
