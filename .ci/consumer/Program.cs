// The package README's examples, as a package consumer writes them, plus a self-check that runs the same APIs against a
// loopback server (the examples name hosts on the internet). `dotnet run -- --readme-examples` runs the examples themselves.
using Handlers.Eventing;                          // EventingHandler, HttpCall, HttpEvents, ReportDownloadProgress
using Microsoft.Extensions.DependencyInjection;   // AddHttpClient(...).AddEventing(), for IHttpClientFactory users
using Microsoft.Extensions.Logging;               // AddConsole(), for the logging example
using OpenTelemetry;                              // Sdk, for the OpenTelemetry example (package OpenTelemetry)
using OpenTelemetry.Metrics;                      // AddMeter
using OpenTelemetry.Trace;                        // AddSource
using Refit;                                      // [Get], RestService, for the typed-client example (package Refit)

if (args is ["--readme-examples"])
{
    await ProgressBarAsync();
    StalledDownload();
    ResumedDownload();
    await TypedClientAsync();
    LifecycleLogging();
    await AwsStyleAsync();
    await RetriesAsync();
    OpenTelemetryProviders();
    await TimingsAsync();
    return 0;
}

const long Size = 8 * 1024 * 1024;
await using var server = LocalServer.Start(Size);

var services = new ServiceCollection();
services.AddLogging(logging => logging.AddConsole().AddFilter("System.Net.Http.HttpClient", LogLevel.Warning));
services.AddHttpClient("local", client => client.BaseAddress = server.BaseAddress)
    .AddEventing(options => options.LogLifecycle = true);
await using (var provider = services.BuildServiceProvider())
{
    var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("local");

    var reports = new List<TransferProgress>();
    using (var request = new HttpRequestMessage(HttpMethod.Get, "file"))
    {
        HttpCall.For(request).ReportDownloadProgress(reports.Add);
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        await response.Content.CopyToAsync(Stream.Null);
    }

    long streamed = 0;
    var aws = await client.CreateCall(HttpMethod.Get, "file")
        .On(HttpEvents.HttpData, e => streamed += e.Chunk.Length)
        .SendAsync();

    // A typed client builds the request itself: HttpCall.Observe reaches its call.
    var typed = new List<TransferProgress>();
    var files = RestService.ForGenerated<IFiles>(client);
    using (HttpCall.Observe(call => call.ReportDownloadProgress(typed.Add)))
    {
        await using var body = await files.DownloadAsync("file");
        await body.CopyToAsync(Stream.Null);
    }

    var ok = reports.Count >= 2 && reports[^1].Loaded == Size && aws.Error is null && streamed == Size
        && typed.Count >= 2 && typed[^1].Loaded == Size;
    Console.WriteLine($"consumer: {(ok ? "OK" : "FAILED")}: {reports.Count} progress reports, the last {reports.LastOrDefault()}; " +
        $"AWS style streamed {streamed} bytes and ended in {(aws.Error is null ? "success" : aws.Error.Message)}; " +
        $"Refit: {typed.Count} progress reports, the last {typed.LastOrDefault()}");
    return ok ? 0 : 1;
}

static async Task ProgressBarAsync()
{
    // The library decodes gzip, deflate and br itself (leave SocketsHttpHandler's own AutomaticDecompression off),
    // so a compressed download still has a total on the wire and Fraction stays a true percentage.
    var options = new EventingOptions { ResponseBody = { AutomaticDecompression = System.Net.DecompressionMethods.All } };
    using var client = new HttpClient(new EventingHandler(new SocketsHttpHandler(), options));

    using var request = new HttpRequestMessage(HttpMethod.Get, "https://example.com/big.iso");
    HttpCall.For(request).ReportDownloadProgress(p => Console.Write(
        $"\r{p.Fraction:P0} of {(p.Total ?? p.WireTotal) / 1048576.0:0.0} MiB, {p.BytesPerSecond / 1048576.0:0.0} MiB/s"));

    using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    await using var file = File.Create("big.iso");
    await response.Content.CopyToAsync(file);     // the reports come as this copy pulls the body through
}

static void StalledDownload()
{
    var services = new ServiceCollection();
    services.AddHttpClient("files").AddEventing(o => o.ResponseBody.IdleTimeout = TimeSpan.FromSeconds(30));
}

static void ResumedDownload()
{
    var services = new ServiceCollection();
    services.AddHttpClient("files").AddEventing(o => o.ResponseBody.MaxResumeAttempts = 3);
}

static async Task TypedClientAsync()
{
    var files = RestService.ForGenerated<IFiles>(new HttpClient(new EventingHandler(new SocketsHttpHandler()))
    {
        BaseAddress = new Uri("https://example.com"),
    });

    using (HttpCall.Observe(call => call.ReportDownloadProgress(p => Console.Write($"\r{p.Fraction:P0}"))))
    {
        await using var body = await files.DownloadAsync("big.iso");   // Refit builds and sends the request
        await using var file = File.Create("big.iso");
        await body.CopyToAsync(file);
    }

    await using var report = await files.DownloadAsync("report.csv", call => call.On(HttpEvents.Complete, r => Console.WriteLine(r)));
}

static void LifecycleLogging()
{
    var services = new ServiceCollection();
    services.AddLogging(logging => logging.AddConsole()
        .AddFilter("Polly", LogLevel.Error));              // Polly's own lines: only its errors (a circuit that opens)
    services.AddHttpClient("files")
        .RemoveAllLoggers()                                 // the factory's own per-request lines
        .AddEventing(options => options.LogLifecycle = true)
        .AddStandardResilienceHandler();
    using var provider = services.BuildServiceProvider();
    var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("files");
    // info: Handlers.Eventing.HttpCall.files[5] HTTP call GET https://example.com/big.iso?token=* ended in Success:
    //       status 200, attempt 1, retries 0, sent 0 B, received 734003200 B, headers after 41.2ms, duration 1523.4ms
}

static async Task AwsStyleAsync()
{
    using var client = new HttpClient(new EventingHandler(new SocketsHttpHandler()));
    await using var file = File.Create("report.csv");

    var response = await client.CreateCall(HttpMethod.Get, "https://example.com/report.csv")
        .On(HttpEvents.HttpHeaders, e => Console.WriteLine($"{(int)e.StatusCode}, attempt {e.Attempt}"))
        .On(HttpEvents.HttpData, e => file.Write(e.Chunk.Span))          // streamed: nothing is buffered
        .On(HttpEvents.Success, _ => Console.WriteLine("Success!"))
        .On(HttpEvents.Error, r => Console.WriteLine($"Error! {r.Error!.Message}"))
        .On(HttpEvents.Complete, _ => Console.WriteLine("Always!"))
        .SendAsync();                                                   // sends, drives the body to its end
}

static async Task RetriesAsync()
{
    var services = new ServiceCollection();
    services.AddHttpClient("api")
        .AddEventing()                                // before or after: the call spans every attempt
        .AddStandardResilienceHandler();              // Microsoft.Extensions.Http.Resilience
    using var provider = services.BuildServiceProvider();
    var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("api");

    using var request = new HttpRequestMessage(HttpMethod.Get, "https://example.com/flaky");
    HttpCall.For(request)
        .On(HttpEvents.Retry, e => Console.WriteLine(           // raised when Polly decides, before the back-off
            $"{e.Kind} {e.Attempt} in {e.Delay?.TotalSeconds:0.0} s after {e.PreviousStatusCode?.ToString() ?? e.PreviousError?.Message}"))
        .On(HttpEvents.Complete, r => Console.WriteLine($"{r.StatusCode} after {r.RetryCount} retries"));
    using var response = await client.SendAsync(request);
}

static void OpenTelemetryProviders()
{
    using var tracing = Sdk.CreateTracerProviderBuilder()
        .AddSource("Handlers.Eventing")               // one span per call, ended at the last byte of the body
        .Build();                                     // add your exporter before Build()
    using var metrics = Sdk.CreateMeterProviderBuilder()
        .AddMeter("Handlers.Eventing")                // request and response body sizes, call duration
        .Build();
}

static async Task TimingsAsync()
{
    var options = new EventingOptions { CollectTimings = true };   // or AddEventing(o => o.CollectTimings = true)
    using var client = new HttpClient(new EventingHandler(new SocketsHttpHandler(), options));

    var response = await client.CreateCall(HttpMethod.Get, "https://example.com/report.csv").SendAsync();
    Console.WriteLine(response.Timings);
    // queued 5.6ms, dns -, connect 1.7ms, tls 62.0ms, request 0.0ms, firstByte 19.3ms, download 7.9ms, total 96.4ms,
    // connection 6 (new), HTTP/1.1
}

public interface IFiles
{
    [Get("/{name}")]
    Task<Stream> DownloadAsync(string name);

    [Get("/{name}")]   // Refit writes a [Property] value into request.Options: it configures this call
    Task<Stream> DownloadAsync(string name, [Property(HttpCallRequestOptions.ConfigureKeyName)] Action<HttpCall> configure);
}
