using System.Diagnostics;
using System.Globalization;

namespace Handlers.Eventing.Benchmarks.Loopback;

/// <summary>
/// Runs variants of one workload in alternated rounds in one process and reports, per variant, the median time and bytes
/// per operation and the ratio against the first variant (the baseline): the ratio of the medians and the median of the
/// per-round ratios (each round measures every variant, in an order rotated from round to round).
/// </summary>
/// <remarks>
/// Besides wall-clock time it measures the process's CPU time per operation (client, in-process server and GC together):
/// on a shared machine other processes stretch the wall-clock time of a round, much less its CPU time, and when the CPU
/// is the limit (16 calls in flight on 2 cores) CPU time is the cost.
/// </remarks>
internal static class AlternatingRounds
{
    public static async Task<IReadOnlyList<VariantResult>> RunAsync(
        string title, IReadOnlyList<Variant> variants, int rounds, long operationsPerRound, int warmupRounds = 2)
    {
        var loadBefore = LoadAverage();
        for (var w = 0; w < warmupRounds; w++)
        {
            foreach (var variant in variants)
            {
                await variant.RunRound().ConfigureAwait(false);
            }
        }

        var times = variants.Select(_ => new List<double>()).ToArray();
        var bytes = variants.Select(_ => new List<double>()).ToArray();
        var cpu = variants.Select(_ => new List<double>()).ToArray();
        using var process = Process.GetCurrentProcess();
        for (var round = 0; round < rounds; round++)
        {
            for (var k = 0; k < variants.Count; k++)
            {
                var i = (round + k) % variants.Count;
                var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
                process.Refresh();
                var cpuBefore = process.TotalProcessorTime;
                var started = Stopwatch.GetTimestamp();
                await variants[i].RunRound().ConfigureAwait(false);
                var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
                process.Refresh();
                cpu[i].Add((process.TotalProcessorTime - cpuBefore).TotalSeconds / operationsPerRound);
                var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
                times[i].Add(elapsed / operationsPerRound);
                bytes[i].Add((double)allocated / operationsPerRound);
            }
        }

        var loadAfter = LoadAverage();
        var results = new List<VariantResult>();
        for (var i = 0; i < variants.Count; i++)
        {
            var pairedRatios = times[i].Zip(times[0], (t, b) => t / b).ToList();
            var pairedCpuRatios = cpu[i].Zip(cpu[0], (t, b) => t / b).ToList();
            results.Add(new VariantResult(
                variants[i].Name, Median(times[i]), Median(bytes[i]), Median(times[i]) / Median(times[0]), Median(pairedRatios),
                Median(bytes[i]) - Median(bytes[0]), Median(cpu[i]), Median(cpu[i]) / Median(cpu[0]), Median(pairedCpuRatios)));
        }

        Print(title, results, rounds, operationsPerRound, loadBefore, loadAfter);
        return results;
    }

    public static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        var middle = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    public static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "n/a";
        }
    }

    private static void Print(string title, List<VariantResult> results, int rounds, long operationsPerRound, string loadBefore, string loadAfter)
    {
        var c = CultureInfo.InvariantCulture;
        Console.WriteLine();
        Console.WriteLine(string.Create(c, $"## {title}"));
        Console.WriteLine(string.Create(c,
            $"{rounds} alternated rounds of {operationsPerRound} operations; {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; load average {loadBefore} -> {loadAfter}; {Environment.ProcessorCount} cores; .NET {Environment.Version}"));
        Console.WriteLine();
        Console.WriteLine("| Variant | Wall time per op | Wall ratio (medians) | Wall ratio (median of rounds) | CPU time per op | CPU ratio (medians) | CPU ratio (median of rounds) | Bytes per op | Bytes vs baseline |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in results)
        {
            Console.WriteLine(string.Create(c,
                $"| {r.Name} | {FormatTime(r.MedianSeconds)} | {r.RatioOfMedians:0.000} | {r.MedianRoundRatio:0.000} | {FormatTime(r.MedianCpuSeconds)} | {r.CpuRatioOfMedians:0.000} | {r.CpuMedianRoundRatio:0.000} | {r.MedianBytes:0.##} B | {r.BytesOverBaseline:+0.##;-0.##;0} B |"));
        }
    }

    private static string FormatTime(double seconds) =>
        seconds >= 1e-3 ? string.Create(CultureInfo.InvariantCulture, $"{seconds * 1e3:0.000} ms")
        : seconds >= 1e-6 ? string.Create(CultureInfo.InvariantCulture, $"{seconds * 1e6:0.00} µs")
        : string.Create(CultureInfo.InvariantCulture, $"{seconds * 1e9:0.0} ns");
}

/// <summary>One variant of a workload: a round runs the same operations every time.</summary>
internal sealed record Variant(string Name, Func<Task> RunRound);

/// <summary>The medians of one variant and its ratios against the baseline (the first variant).</summary>
internal sealed record VariantResult(
    string Name, double MedianSeconds, double MedianBytes, double RatioOfMedians, double MedianRoundRatio, double BytesOverBaseline,
    double MedianCpuSeconds, double CpuRatioOfMedians, double CpuMedianRoundRatio);
