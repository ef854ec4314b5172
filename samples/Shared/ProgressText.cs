using Handlers.Eventing;

namespace Samples;

/// <summary>The DownloadProgress sample's progress line: the wire bytes of a body the library decodes, else the bytes received.</summary>
public static class ProgressText
{
    public static string Describe(TransferProgress p) =>
        (p.Total is null && p.WireTotal is { } wire
            ? $"{MiB(p.WireLoaded ?? 0)} of {MiB(wire)} on the wire ({MiB(p.Loaded)} decoded)"
            : $"{MiB(p.Loaded)} of {(p.Total is { } total ? MiB(total) : "an unknown size")}") +
        (p.Fraction is { } fraction ? $", {fraction:P0}" : "") +
        (p.BytesPerSecond is { } rate ? $", {MiB(rate)}/s" : "") +
        (p.EstimatedTimeRemaining is { } left ? $", {left.TotalSeconds:0.0} s left" : "");

    private static string MiB(double bytes) => $"{bytes / 1048576:0.0} MiB";
}
