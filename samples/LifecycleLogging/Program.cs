// Per-call lifecycle logging in one line, with retries shown as attempts: a flaky endpoint (503 twice, then 200)
// behind a Polly retry, a 404 and a download, logged through ILogger to the console.
//
//   dotnet run --project samples/LifecycleLogging
using Handlers.Eventing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;
using Samples;

await using var server = await DemoServer.StartAsync(fileSize: 1024 * 1024, flakyFailures: 2);

var services = new ServiceCollection();
services.AddLogging(logging => logging
    .SetMinimumLevel(LogLevel.Debug)
    .AddFilter("System.Net.Http.HttpClient", LogLevel.Warning)   // the factory's own request logging, kept quiet here
    .AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; }));

services.AddHttpClient("api", client => client.BaseAddress = server.BaseAddress)
    .AddHttpMessageHandler(() => new RetryHandler())            // registered first ...
    .AddEventing(options => options.LogLifecycle = true);        // ... still, retries show as attempts 1, 2, 3

await using var provider = services.BuildServiceProvider();
var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("api");

Console.WriteLine("GET /flaky (503, 503, then 200):");
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

/// <summary>A Polly v8 retry as a DelegatingHandler: 5xx and transport errors, 3 attempts, short delays.</summary>
internal sealed class RetryHandler : DelegatingHandler
{
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline = new ResiliencePipelineBuilder<HttpResponseMessage>()
        .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
        {
            MaxRetryAttempts = 2,
            Delay = TimeSpan.FromMilliseconds(50),
            ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                .Handle<HttpRequestException>()
                .HandleResult(response => (int)response.StatusCode >= 500),
            OnRetry = args =>
            {
                args.Outcome.Result?.Dispose();   // release the failed attempt's response before retrying
                return default;
            },
        })
        .Build();

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        await _pipeline.ExecuteAsync(async token => await base.SendAsync(request, token), cancellationToken);
}
