using Handlers.Eventing.Internal;

namespace Handlers.Eventing;

/// <summary>
/// The progress of a download or an upload as <c>ReportDownloadProgress</c> and <c>ReportUploadProgress</c>
/// (<see cref="HttpCallProgressExtensions"/>) report it.
/// </summary>
public readonly struct TransferProgress
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="loaded">The bytes transferred so far in the current attempt.</param>
    /// <param name="total">The body length, or <see langword="null"/> when unknown.</param>
    /// <param name="attempt">The attempt number, from 1.</param>
    /// <param name="bytesPerSecond">The average rate of the attempt so far, or <see langword="null"/> when no time has passed.</param>
    /// <param name="estimatedTimeRemaining">The time left at that rate, or <see langword="null"/> when unknown.</param>
    public TransferProgress(long loaded, long? total, int attempt, double? bytesPerSecond, TimeSpan? estimatedTimeRemaining)
    {
        Loaded = loaded;
        Total = total;
        Attempt = attempt;
        BytesPerSecond = bytesPerSecond;
        EstimatedTimeRemaining = estimatedTimeRemaining;
    }

    /// <summary>Gets the bytes transferred so far in the current attempt (restarts at each attempt).</summary>
    public long Loaded { get; }

    /// <summary>Gets the Content-Length, or <see langword="null"/> when unknown (see <see cref="HttpProgress.Total"/>).</summary>
    public long? Total { get; }

    /// <summary>Gets the attempt number, from 1.</summary>
    public int Attempt { get; }

    /// <summary>
    /// Gets the average rate of the current attempt since its first progress event, or <see langword="null"/> for that first
    /// event (no time has passed yet).
    /// </summary>
    public double? BytesPerSecond { get; }

    /// <summary>
    /// Gets the time left at <see cref="BytesPerSecond"/>: <see langword="null"/> when <see cref="Total"/> or the rate is
    /// unknown or the rate is 0, and <see cref="TimeSpan.Zero"/> once everything was transferred.
    /// </summary>
    public TimeSpan? EstimatedTimeRemaining { get; }

    /// <summary>Gets the fraction done, from 0 to 1, or <see langword="null"/> when <see cref="Total"/> is unknown.</summary>
    public double? Fraction => ProgressMath.Fraction(Loaded, Total);

    /// <summary>Returns the progress as <c>Loaded/Total (attempt N)</c>.</summary>
    /// <returns>A description for logs and the debugger.</returns>
    public override string ToString() => ProgressMath.Describe(Loaded, Total, Attempt);
}
