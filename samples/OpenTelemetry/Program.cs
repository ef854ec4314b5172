// The call's span and metrics in OpenTelemetry, ending at the last byte: the Handlers.Eventing span of a 4 MiB download
// paced at 8 MiB/s covers the half second of the body; the runtime's System.Net.Http span under it ends at the headers.
// Exported to the console; the two lines a user adds are marked.
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
    .AddConsoleExporter()
    .AddInMemoryExporter(spans)                                //    kept to check the result below
    .Build();
using var metrics = Sdk.CreateMeterProviderBuilder()
    .AddMeter(EventingTelemetry.MeterName)                      // <- line 2: body sizes and call duration
    .AddConsoleExporter()
    .Build();

var services = new ServiceCollection();
services.AddHttpClient("api", client => client.BaseAddress = server.BaseAddress)
    .AddHttpMessageHandler(() => new RetryOn503Handler())
    .AddEventing();
await using var provider = services.BuildServiceProvider();
var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("api");

using (var response = await client.GetAsync("file?token=secret", HttpCompletionOption.ResponseHeadersRead))
{
    await response.Content.CopyToAsync(Stream.Null);   // the span ends here, at the last byte
}

using (var response = await client.GetAsync("flaky"))  // 503 then 200: one span, two attempts, a retry event
{
}

tracing.ForceFlush();
metrics.ForceFlush();

var calls = spans.Where(s => s.Source.Name == EventingTelemetry.ActivitySourceName).ToList();
var attempts = calls.Count == 0 ? [] : spans.Where(s => s.ParentSpanId == calls[0].SpanId).ToList();
if (calls.Count != 2 || attempts.Count != 1)
{
    Console.Error.WriteLine($"Expected 2 call spans and 1 attempt under the first, got {calls.Count} and {attempts.Count}.");
    return 1;
}

Console.WriteLine($"GET /file: call span {calls[0].Duration.TotalMilliseconds:F0} ms, runtime span {attempts[0].Duration.TotalMilliseconds:F0} ms");
return calls[0].Duration > attempts[0].Duration ? 0 : 1;

/// <summary>Retries once on 503, as a resilience handler would.</summary>
internal sealed class RetryOn503Handler : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        if (response.StatusCode != System.Net.HttpStatusCode.ServiceUnavailable)
        {
            return response;
        }

        response.Dispose();
        return await base.SendAsync(request, cancellationToken);
    }
}
