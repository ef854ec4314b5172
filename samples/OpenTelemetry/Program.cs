// The call's span and metrics in OpenTelemetry, ending at the last byte: the Handlers.Eventing span of a 4 MiB download
// paced at 8 MiB/s covers the half second of the body; the runtime's System.Net.Http span under it ends at the headers.
// A 503-then-200 call through AddStandardResilienceHandler is one span, with a retry event carrying Polly's delay.
// Prints the summary first, then one line per span, then the metrics, exported once; the two lines a user adds are marked.
//
//   dotnet run --project samples/OpenTelemetry
using System.Diagnostics;
using Handlers.Eventing;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Samples;

await using var server = await DemoServer.StartAsync(fileSize: 4 * 1024 * 1024, bytesPerSecond: 8 * 1024 * 1024, flakyFailures: 1);

var spans = new List<Activity>();
using var tracing = Sdk.CreateTracerProviderBuilder()
    .AddSource(EventingTelemetry.ActivitySourceName)           // <- line 1: the call's span
    .AddSource("System.Net.Http")                              //    the runtime's per-attempt spans, for comparison
    .AddInMemoryExporter(spans)                                //    printed below, one line each
    .Build();
var metrics = Sdk.CreateMeterProviderBuilder()
    .AddMeter(EventingTelemetry.MeterName)                      // <- line 2: body sizes and call duration
    .AddConsoleExporter((_, reader) => reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = int.MaxValue)
    .Build();                                                   //    exported once, when disposed at the end

var services = new ServiceCollection();
services.AddHttpClient("api", client => client.BaseAddress = server.BaseAddress)
    .AddStandardResilienceHandler(o =>
    {
        o.Retry.Delay = TimeSpan.FromMilliseconds(100);         // short back-off for the demo (the default is 2 s, exponential)
        o.Retry.BackoffType = Polly.DelayBackoffType.Constant;
        o.Retry.UseJitter = false;
    });
services.AddHttpClient("api").AddEventing();
await using var provider = services.BuildServiceProvider();
var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("api");

using (var response = await client.GetAsync("file?token=secret", HttpCompletionOption.ResponseHeadersRead))
{
    await response.Content.CopyToAsync(Stream.Null);   // the span ends here, at the last byte
}

(await client.GetAsync("flaky")).Dispose();            // 503 then 200: one span, two attempt spans, a retry event

tracing.ForceFlush();
var calls = spans.Where(s => s.Source.Name == EventingTelemetry.ActivitySourceName).ToList();
var attempts = calls.Select(c => spans.Where(s => s.ParentSpanId == c.SpanId).ToList()).ToList();
if (calls.Count != 2 || attempts[0].Count != 1 || attempts[1].Count != 2)
{
    Console.Error.WriteLine($"Expected 2 call spans with 1 and 2 attempt spans, got {calls.Count} ({string.Join(", ", attempts.Select(a => a.Count))}).");
    return 1;
}

Console.WriteLine($"GET /file: call span {calls[0].Duration.TotalMilliseconds:F0} ms, runtime span {attempts[0][0].Duration.TotalMilliseconds:F0} ms");
foreach (var (call, index) in calls.Select((c, i) => (c, i)))
{
    Console.WriteLine($"  {call.DisplayName,-9} {call.Duration.TotalMilliseconds,6:F0} ms  {call.GetTagItem("url.full")}");
    foreach (var e in call.Events)
    {
        Console.WriteLine($"    event {e.Name} {string.Join(", ", e.Tags.Select(t => $"{t.Key.Replace("handlers.eventing.", "")}={t.Value}"))}");
    }

    foreach (var attempt in attempts[index])
    {
        Console.WriteLine($"    {attempt.DisplayName,-7} {attempt.Duration.TotalMilliseconds,6:F0} ms  ({attempt.Source.Name}, status {attempt.GetTagItem("http.response.status_code")})");
    }
}

Console.WriteLine();
metrics.Dispose();                                      // the one export of the three histograms
return calls[0].Duration > attempts[0][0].Duration ? 0 : 1;
