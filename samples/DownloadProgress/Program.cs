// The main sample: a real download through services.AddHttpClient(...).AddEventing(), with a progress bar driven by
// httpDownloadProgress and the call's lifecycle log afterwards.
//
//   dotnet run --project samples/DownloadProgress                     # starts its own server on 127.0.0.1
//   dotnet run --project samples/DownloadProgress -- --size 64 --rate 32   # 64 MiB at 32 MiB/s
//   dotnet run --project samples/DownloadProgress -- https://example.com/file.bin
using System.Diagnostics;
using System.Globalization;
using Handlers.Eventing;
using Microsoft.Extensions.DependencyInjection;
using Samples;
using Spectre.Console;

long sizeMiB = 256, rateMiB = 64;
Uri? url = null;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--size" when i + 1 < args.Length && long.TryParse(args[i + 1], out var size) && size >= 0:
            sizeMiB = size;
            i++;
            break;
        case "--rate" when i + 1 < args.Length && long.TryParse(args[i + 1], out var rate) && rate >= 0:
            rateMiB = rate;
            i++;
            break;
        case var arg when Uri.TryCreate(arg, UriKind.Absolute, out var parsed) && parsed.Scheme is "http" or "https":
            url = parsed;
            break;
        default:
            Console.Error.WriteLine($"Unknown argument '{args[i]}'. Usage: DownloadProgress [--size MiB] [--rate MiB/s, 0 = unpaced] [http(s)://url]");
            return 64;
    }
}

await using var server = url is null ? await DemoServer.StartAsync(sizeMiB * 1024 * 1024, rateMiB * 1024 * 1024) : null;
var target = url ?? new Uri(server!.BaseAddress, "file");

// 1. Register the client with eventing. The client-level listener records every call's lifecycle.
var lifecycle = new List<string>();
var services = new ServiceCollection();
services.AddHttpClient("download", client => client.Timeout = TimeSpan.FromMinutes(30))
    .AddEventing(options => options.OnCall(call => RecordLifecycle(call, lifecycle)));
await using var provider = services.BuildServiceProvider();
var http = provider.GetRequiredService<IHttpClientFactory>().CreateClient("download");

// 2. An AWS-style call: the body streams through httpData; nothing is buffered, so memory stays flat.
var call = http.CreateCall(HttpMethod.Get, target.ToString());
long received = 0;
call.On(HttpEvents.HttpData, data => received += data.Chunk.Length);

var interactive = AnsiConsole.Profile.Capabilities.Interactive
    && !Console.IsOutputRedirected
    && !string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

HttpCallResponse response;
try
{
    response = interactive ? await DownloadWithBarAsync(call) : await DownloadWithLinesAsync(call);
}
catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException)
{
    PrintLifecycle(lifecycle);
    Console.Error.WriteLine($"Download of {target} failed: {ex.Message}");
    return 1;
}

PrintLifecycle(lifecycle);
if (response.Error is not null)
{
    Console.Error.WriteLine($"Download of {target} failed: {response.Error.Message}");
    return 1;
}

var seconds = response.Duration?.TotalSeconds ?? 0;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"Downloaded {received} bytes in {seconds:0.00} s ({received / 1048576d / Math.Max(seconds, 1e-6):0.0} MiB/s)."));
return 0;

// A Spectre.Console bar: bytes, total, speed and ETA, moved by httpDownloadProgress.
static async Task<HttpCallResponse> DownloadWithBarAsync(HttpCall call) =>
    await AnsiConsole.Progress()
        .AutoClear(false)
        .Columns(
            new TaskDescriptionColumn(),
            new ProgressBarColumn(),
            new PercentageColumn(),
            new DownloadedColumn(),
            new TransferSpeedColumn(),
            new RemainingTimeColumn())
        .StartAsync(async context =>
        {
            var task = context.AddTask($"GET {call.Request.RequestUri}", autoStart: true, maxValue: 1);
            call.On(HttpEvents.HttpHeaders, headers =>
            {
                if (headers.Response.Content.Headers.ContentLength is { } length)
                {
                    task.MaxValue = Math.Max(1, length);
                }
                else
                {
                    task.IsIndeterminate = true;
                }
            });
            call.On(HttpEvents.HttpDownloadProgress, progress => task.Value = progress.Loaded);
            call.On(HttpEvents.Complete, _ => task.StopTask());
            return await call.SendAsync();
        });

// Without a terminal (CI, redirected output): a plain line at every 10 %, and the last one.
static async Task<HttpCallResponse> DownloadWithLinesAsync(HttpCall call)
{
    var nextTenth = 0;
    call.On(HttpEvents.HttpDownloadProgress, progress =>
    {
        var tenth = progress.Fraction is { } fraction ? (int)(fraction * 10) : 0;
        if (tenth >= nextTenth || progress.Loaded == progress.Total)
        {
            nextTenth = tenth + 1;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"progress {progress.Loaded} / {(progress.Total?.ToString(CultureInfo.InvariantCulture) ?? "?")} bytes ({progress.Fraction:P0})"));
        }
    });
    return await call.SendAsync();
}

// The lifecycle of one call, as its events arrive, with the time since it started.
static void RecordLifecycle(HttpCall call, List<string> log)
{
    var clock = Stopwatch.StartNew();
    void Add(string text) => log.Add(string.Create(CultureInfo.InvariantCulture, $"{clock.Elapsed.TotalMilliseconds,9:0.0} ms  {text}"));
    call.On(HttpEvents.Retry, retry => Add($"retry     attempt {retry.Attempt} after {(object?)retry.PreviousStatusCode ?? retry.PreviousError?.Message}"));
    call.On(HttpEvents.HttpHeaders, headers => Add($"httpHeaders {(int)headers.StatusCode} {headers.StatusCode}, attempt {headers.Attempt}"));
    call.Once(HttpEvents.HttpData, data => Add($"httpData  first chunk, {data.Chunk.Length} bytes"));
    call.On(HttpEvents.HttpError, error => Add($"httpError {error.Exception.Message}"));
    call.On(HttpEvents.HttpDone, response => Add($"httpDone  {response.BytesReceived} bytes"));
    call.On(HttpEvents.Success, _ => Add("success"));
    call.On(HttpEvents.Error, response => Add($"error     {response.Error?.Message}"));
    call.On(HttpEvents.Complete, response => Add(string.Create(CultureInfo.InvariantCulture,
        $"complete  status {(int?)response.StatusCode}, {response.BytesReceived} bytes, headers after {response.TimeToHeaders?.TotalMilliseconds:0.0} ms, retries {response.RetryCount}")));
}

static void PrintLifecycle(List<string> log)
{
    Console.WriteLine();
    Console.WriteLine("Lifecycle:");
    foreach (var line in log)
    {
        Console.WriteLine("  " + line);
    }
}
