using Handlers.Eventing.Internal;

namespace Handlers.Eventing;

/// <summary>
/// The progress of a download or an upload as <c>ReportDownloadProgress</c> and <c>ReportUploadProgress</c>
/// (<see cref="HttpCallProgressExtensions"/>) report it.
/// </summary>
/// <remarks>
/// A progress bar reads <see cref="Fraction"/>: it uses <see cref="Loaded"/>/<see cref="Total"/> when the length the reader
/// receives is known, else <see cref="WireLoaded"/>/<see cref="WireTotal"/> (a compressed body the library decodes), and
/// <see cref="BytesPerSecond"/> and <see cref="EstimatedTimeRemaining"/> measure the same pair (docs/downloads.md).
/// </remarks>
public readonly struct TransferProgress
{
    /// <summary>Initializes a new instance for a body that was not encoded: <see cref="WireLoaded"/> and <see cref="WireTotal"/> equal <paramref name="loaded"/> and <paramref name="total"/>.</summary>
    /// <param name="loaded">The bytes transferred so far in the current attempt.</param>
    /// <param name="total">The body length, or <see langword="null"/> when unknown.</param>
    /// <param name="attempt">The attempt number, from 1.</param>
    /// <param name="bytesPerSecond">The average rate of the attempt so far, or <see langword="null"/> when no time has passed.</param>
    /// <param name="estimatedTimeRemaining">The time left at that rate, or <see langword="null"/> when unknown.</param>
    public TransferProgress(long loaded, long? total, int attempt, double? bytesPerSecond, TimeSpan? estimatedTimeRemaining)
        : this(loaded, total, attempt, loaded, total, bytesPerSecond, estimatedTimeRemaining)
    {
    }

    /// <summary>Initializes a new instance with the body's bytes on the wire.</summary>
    /// <param name="loaded">The bytes transferred so far in the current attempt, as the reader receives them.</param>
    /// <param name="total">The body length as the reader receives it, or <see langword="null"/> when unknown.</param>
    /// <param name="attempt">The attempt number, from 1.</param>
    /// <param name="wireLoaded">The bytes received from the network so far, or <see langword="null"/> when unknown.</param>
    /// <param name="wireTotal">The body length on the network, or <see langword="null"/> when unknown.</param>
    /// <param name="bytesPerSecond">The average rate of the attempt so far, of the pair <see cref="Fraction"/> reads, or <see langword="null"/> when no time has passed.</param>
    /// <param name="estimatedTimeRemaining">The time left at that rate, or <see langword="null"/> when unknown.</param>
    public TransferProgress(
        long loaded, long? total, int attempt, long? wireLoaded, long? wireTotal, double? bytesPerSecond, TimeSpan? estimatedTimeRemaining)
    {
        Loaded = loaded;
        Total = total;
        Attempt = attempt;
        WireLoaded = wireLoaded;
        WireTotal = wireTotal;
        BytesPerSecond = bytesPerSecond;
        EstimatedTimeRemaining = estimatedTimeRemaining;
    }

    /// <summary>Gets the bytes transferred so far in the current attempt (restarts at each attempt), as the reader receives them.</summary>
    public long Loaded { get; }

    /// <summary>Gets the Content-Length as the reader sees it, or <see langword="null"/> when unknown (see <see cref="HttpProgress.Total"/>).</summary>
    public long? Total { get; }

    /// <summary>Gets the attempt number, from 1.</summary>
    public int Attempt { get; }

    /// <summary>Gets the bytes received from the network so far (see <see cref="HttpProgress.WireLoaded"/>).</summary>
    public long? WireLoaded { get; }

    /// <summary>Gets the body length on the network, or <see langword="null"/> when unknown (see <see cref="HttpProgress.WireTotal"/>).</summary>
    public long? WireTotal { get; }

    /// <summary>
    /// Gets the average rate of the current attempt since its first progress event, or <see langword="null"/> for that first
    /// event (no time has passed yet). It measures the pair <see cref="Fraction"/> reads: wire bytes for a body whose decoded
    /// length is unknown but whose encoded length is (<see cref="WireTotal"/>), the bytes the reader receives otherwise.
    /// </summary>
    public double? BytesPerSecond { get; }

    /// <summary>
    /// Gets the time left at <see cref="BytesPerSecond"/>: <see langword="null"/> when the total of that pair or the rate is
    /// unknown or the rate is 0, and <see cref="TimeSpan.Zero"/> once everything was transferred.
    /// </summary>
    public TimeSpan? EstimatedTimeRemaining { get; }

    /// <summary>
    /// Gets the fraction done, from 0 to 1: <see cref="Loaded"/>/<see cref="Total"/> when <see cref="Total"/> is known, else
    /// <see cref="WireLoaded"/>/<see cref="WireTotal"/>, else <see langword="null"/>.
    /// </summary>
    public double? Fraction => ProgressMath.Fraction(Loaded, Total, WireLoaded, WireTotal);

    /// <summary>Returns the progress as <c>Loaded/Total (attempt N)</c>, with <c>, wire WireLoaded/WireTotal</c> when they differ.</summary>
    /// <returns>A description for logs and the debugger.</returns>
    public override string ToString() => ProgressMath.Describe(Loaded, Total, Attempt, WireLoaded, WireTotal);
}
