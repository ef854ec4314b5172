using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Handlers.Eventing.Benchmarks.Calls;

/// <summary>
/// A real Kestrel server on 127.0.0.1 and SocketsHttpHandler: downloads of a large body with progress + data listeners vs
/// without the handler, alternated in one run, reporting the throughput ratio. Run with <c>-- loopback [MiB] [rounds]</c>.
/// </summary>
/// <remarks>BenchmarkDotNet's per-invocation model fits a multi-second socket download poorly, so this is a plain harness.</remarks>
internal static class LoopbackHarness
{
    public static async Task<int> RunAsync(string[] args)
    {
        var mib = args.Length > 1 ? long.Parse(args[1], CultureInfo.InvariantCulture) : 1024;
        var rounds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 5;
        var size = mib * 1024 * 1024;

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var app = builder.Build();
        var chunk = new byte[256 * 1024];
        app.MapGet("/file", async context =>
        {
            context.Response.ContentLength = size;
            for (long sent = 0; sent < size; sent += chunk.Length)
            {
                await context.Response.Body.WriteAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, size - sent)), context.RequestAborted);
            }
        });
        await app.StartAsync();
        var url = new Uri(new Uri(app.Urls.First()), "file");

        using var bare = new HttpClient(new SocketsHttpHandler());
        long loaded = 0, bytes = 0;
        var options = new EventingOptions().OnCall(call => call
            .On(HttpEvents.HttpDownloadProgress, p => loaded = p.Loaded)
            .On(HttpEvents.HttpData, d => bytes += d.Chunk.Length));
        using var observed = new HttpClient(new EventingHandler(new SocketsHttpHandler(), options));

        // Warm up both paths once.
        await DownloadAsync(bare, url);
        await DownloadAsync(observed, url);

        var bareTimes = new List<double>();
        var observedTimes = new List<double>();
        for (var round = 0; round < rounds; round++)
        {
            bareTimes.Add(await DownloadAsync(bare, url));
            observedTimes.Add(await DownloadAsync(observed, url));
        }

        bareTimes.Sort();
        observedTimes.Sort();
        var bareMedian = bareTimes[bareTimes.Count / 2];
        var observedMedian = observedTimes[observedTimes.Count / 2];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Loopback {mib} MiB x {rounds} rounds (alternated), median: bare {mib / bareMedian:0.0} MiB/s, " +
            $"with EventingHandler + progress + data listeners {mib / observedMedian:0.0} MiB/s, throughput ratio {bareMedian / observedMedian:0.000}"));
        return 0;
    }

    private static async Task<double> DownloadAsync(HttpClient client, Uri url)
    {
        var started = Stopwatch.GetTimestamp();
        using var response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead);
        await using var stream = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[80 * 1024];
        while (await stream.ReadAsync(buffer) > 0)
        {
        }

        return Stopwatch.GetElapsedTime(started).TotalSeconds;
    }
}
