// Per-call lifecycle logging in one line, with retries shown as attempts: a flaky endpoint (503 twice, then 200) behind
// Microsoft.Extensions.Http.Resilience's standard handler, a 404 and a download, logged through ILogger to the console.
// The configuration that leaves one line per call plus one per retry: RemoveAllLoggers() on the client, Polly's category
// at Error (Debug on Handlers.Eventing.HttpCall adds each attempt's headers).
//
//   dotnet run --project samples/LifecycleLogging
using Handlers.Eventing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Samples;

await using var server = await DemoServer.StartAsync(fileSize: 1024 * 1024, flakyFailures: 2);

var services = new ServiceCollection();
services.AddLogging(logging => logging
    .AddFilter("Polly", LogLevel.Error)     // Polly logs each retry twice more (counting attempts from 0): keep only its errors
    .AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; }));

services.AddHttpClient("api", client => client.BaseAddress = server.BaseAddress)
    .RemoveAllLoggers()                                          // the factory's own per-request lines: LogLifecycle replaces them
    .AddStandardResilienceHandler(o =>                           // registered first ...
    {
        o.Retry.Delay = TimeSpan.FromMilliseconds(200);          // short back-off for the demo (the default is 2 s, exponential)
        o.Retry.BackoffType = Polly.DelayBackoffType.Constant;
        o.Retry.UseJitter = false;
    });
services.AddHttpClient("api")
    .AddEventing(options => options.LogLifecycle = true);        // ... still, retries show as attempts 1, 2, 3

await using var provider = services.BuildServiceProvider();
var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("api");

Console.WriteLine("GET /flaky (503, 503, then 200; the retry line comes before each 200 ms back-off):");
using (var response = await client.GetAsync("flaky?token=secret"))
{
    Console.WriteLine($"  -> {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
}

Console.WriteLine("GET /missing (404 is not retried):");
using (var response = await client.GetAsync("missing"))
{
    Console.WriteLine($"  -> {(int)response.StatusCode}");
}

Console.WriteLine("GET /file (1 MiB):");
using (var response = await client.GetAsync("file"))
{
    Console.WriteLine($"  -> {(int)response.StatusCode}, {response.Content.Headers.ContentLength} bytes");
}

// Give the console logger's background writer a moment to drain before the process exits.
if (provider.GetService<ILoggerFactory>() is IDisposable loggers)
{
    loggers.Dispose();
}

return 0;
