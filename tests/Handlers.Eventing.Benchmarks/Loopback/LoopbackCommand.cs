using System.Globalization;

namespace Handlers.Eventing.Benchmarks.Loopback;

/// <summary>
/// The real-socket benchmarks, a plain harness (alternated rounds, medians; BenchmarkDotNet's per-invocation model fits
/// neither a multi-second download nor 16 calls in flight):
/// <c>loopback percall [inFlight: 1|16|both] [rounds] [calls]</c>, <c>loopback streaming [MiB] [rounds] [readKiB: 4|80|both]</c>,
/// <c>loopback logging [rounds] [calls]</c>, <c>loopback decoding [MiB] [rounds] [readKiB]</c>, <c>loopback timings [inFlight] [rounds] [calls]</c>, <c>loopback telemetry [inFlight] [rounds] [calls]</c>, <c>loopback all</c>; <c>loopback layers [inFlight] [rounds] [calls]</c> is a diagnosis.
/// </summary>
internal static class LoopbackCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        var family = args.Length > 1 ? args[1] : "all";
        string? Arg(int index) => args.Length > index ? args[index] : null;
        int Int(int index, int fallback) => Arg(index) is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;

        await using var server = await LoopbackServer.StartAsync();
        Console.WriteLine($"# loopback {string.Join(' ', args.Skip(1))}: Kestrel at {server.BaseAddress}, GC {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")}");
        switch (family)
        {
            case "percall":
                await PerCallFamily.RunAsync(server, InFlight(Arg(2)), Int(3, 31), Int(4, 1000));
                break;
            case "layers":
                await PerCallFamily.RunLayersAsync(server, InFlight(Arg(2)), Int(3, 31), Int(4, 1000));
                break;
            case "timings":
                await TimingsFamily.RunAsync(server, InFlight(Arg(2)), Int(3, 31), Int(4, 1000));
                break;
            case "telemetry":
                await TelemetryFamily.RunAsync(server, InFlight(Arg(2)), Int(3, 31), Int(4, 1000));
                break;
            case "streaming":
                await StreamingFamily.RunAsync(server, Int(2, 256), ReadSizes(Arg(4)), Int(3, 11));
                break;
            case "decoding":
                await DecodingFamily.RunAsync(server, Int(2, 64), Int(3, 7), Int(4, 80) * 1024);
                break;
            case "logging":
                await LoggingFamily.RunAsync(server, Int(2, 31), Int(3, 1000));
                break;
            case "all":
                await PerCallFamily.RunAsync(server, [1, 16], 31, 1000);
                await StreamingFamily.RunAsync(server, 256, [4 * 1024, 80 * 1024], 11);
                await LoggingFamily.RunAsync(server, 31, 1000);
                await TelemetryFamily.RunAsync(server, [1, 16], 31, 1000); // late: its listeners stay for the process
                await TimingsFamily.RunAsync(server, [1, 16], 31, 1000); // last: it turns the runtime's HTTP events on
                break;
            default:
                Console.Error.WriteLine("Usage: loopback [percall [1|16|both] [rounds] [calls] | streaming [MiB] [rounds] [4|80|both] | logging [rounds] [calls] | decoding [MiB] [rounds] [readKiB] | timings [1|16|both] [rounds] [calls] | telemetry [1|16|both] [rounds] [calls] | layers [1|16|both] [rounds] [calls] | all]");
                return 2;
        }

        return 0;
    }

    private static int[] InFlight(string? text) => text switch
    {
        null or "both" => [1, 16],
        _ => [int.Parse(text, CultureInfo.InvariantCulture)],
    };

    private static int[] ReadSizes(string? text) => text switch
    {
        null or "both" => [4 * 1024, 80 * 1024],
        _ => [int.Parse(text, CultureInfo.InvariantCulture) * 1024],
    };
}
