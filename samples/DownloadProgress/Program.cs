// The main sample: a download through services.AddHttpClient(...).AddEventing(), with a progress bar fed by the library's
// ReportDownloadProgress (throttled, with speed and time left), then the call's lifecycle as its events arrived. The server
// sends gzip; the library decodes it, so the bar's Fraction follows the encoded bytes on the wire (docs/downloads.md).
//   dotnet run --project samples/DownloadProgress [-- --size 256 --rate 64]   # MiB and MiB/s from its own server (0: unpaced)
//   dotnet run --project samples/DownloadProgress -- https://example.com/file.bin
using System.Diagnostics;
using System.Net;
using Handlers.Eventing;
using Microsoft.Extensions.DependencyInjection;
using Samples;
using Spectre.Console;

var (sizeMiB, rateMiB, url) = DownloadArgs.Parse(args);
await using var server = url is null ? await DemoServer.StartAsync(sizeMiB * 1048576, rateMiB * 1048576) : null;
var target = url ?? new Uri(server!.BaseAddress, "file");

// 1. A client with eventing that decodes bodies itself; a client-level listener records the lifecycle of every call.
var lifecycle = new List<string>();
var services = new ServiceCollection();
services.AddHttpClient("download", client => client.Timeout = TimeSpan.FromMinutes(30))
    .AddEventing(options => options.OnCall(call => RecordLifecycle(call, lifecycle))
        .ResponseBody.AutomaticDecompression = DecompressionMethods.All);
await using var provider = services.BuildServiceProvider();
var http = provider.GetRequiredService<IHttpClientFactory>().CreateClient("download");

// 2. An AWS-style call: the body streams through httpData (nothing is buffered), the bar follows ReportDownloadProgress.
long received = 0;
var call = http.CreateCall(HttpMethod.Get, target).On(HttpEvents.HttpData, data => received += data.Chunk.Length);
try
{
    if (AnsiConsole.Profile.Capabilities.Interactive && !Console.IsOutputRedirected && Environment.GetEnvironmentVariable("CI") != "true")
    {
        await AnsiConsole.Progress().AutoClear(false).Columns(new ProgressBarColumn(), new PercentageColumn(), new TaskDescriptionColumn())
            .StartAsync(async context =>
            {
                var bar = context.AddTask("connecting", maxValue: 1);
                call.ReportDownloadProgress(p => (bar.IsIndeterminate, bar.Value, bar.Description) = (p.Fraction is null, p.Fraction ?? 0, ProgressText.Describe(p)));
                await call.SendAsync();
            });
    }
    else
    {
        // No terminal (CI, redirected output): one line a second, plus the first and the final one.
        call.ReportDownloadProgress(p => Console.WriteLine(ProgressText.Describe(p)), new ProgressThrottle { MinimumInterval = TimeSpan.FromSeconds(1) });
        await call.SendAsync();
    }
}
catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException)
{
    // SendAsync throws what HttpClient would; call.Response.Error holds the same failure, reported below.
}

Console.WriteLine($"Lifecycle of GET {target}:");
lifecycle.ForEach(line => Console.WriteLine("  " + line));
if (call.Response is not { Error: null, Duration: { } duration })
{
    Console.Error.WriteLine($"Download of {target} failed: {call.Response.Error?.GetType().Name}: {call.Response.Error?.Message}");
    return 1;
}

Console.WriteLine($"Downloaded {received} bytes ({MiB(received)}) in {duration.TotalSeconds:0.00} s, {call.Response.TimeToHeaders?.TotalSeconds:0.00} s of it " +
    $"before the headers ({MiB(received / Math.Max(duration.TotalSeconds, 1e-3))}/s overall).");
return 0;

static string MiB(double bytes) => $"{bytes / 1048576:0.0} MiB";


// Every event of one call, with the time since it started; no line has an empty field.
static void RecordLifecycle(HttpCall call, List<string> log)
{
    var started = Stopwatch.GetTimestamp();
    void Add(string text) => log.Add($"{Stopwatch.GetElapsedTime(started).TotalMilliseconds,8:0.0} ms  {text}");
    call.On(HttpEvents.HttpHeaders, e => Add($"httpHeaders  {(int)e.StatusCode} {e.StatusCode}, attempt {e.Attempt}"));
    call.Once(HttpEvents.HttpData, e => Add($"httpData     first chunk, {e.Chunk.Length} bytes"));
    call.On(HttpEvents.HttpError, e => Add($"httpError    {e.Exception.GetType().Name}: {e.Exception.Message}"));
    call.On(HttpEvents.HttpDone, r => Add($"httpDone     {MiB(r.BytesReceived)}"));
    call.On(HttpEvents.Success, _ => Add("success"));
    call.On(HttpEvents.Error, r => Add($"error        {r.Error?.GetType().Name}: {r.Error?.Message}"));
    call.On(HttpEvents.Complete, r => Add($"complete     {(r.StatusCode is { } s ? $"status {(int)s}" : "no response")}, {MiB(r.BytesReceived)}, {r.RetryCount + 1} attempt(s)"));
}
