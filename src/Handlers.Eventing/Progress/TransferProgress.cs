namespace Handlers.Eventing;

/// <summary>
/// The progress of a download or an upload as an <see cref="IProgress{T}"/> receives it from
/// <see cref="HttpCallProgressExtensions.ReportDownloadProgress"/> or <see cref="HttpCallProgressExtensions.ReportUploadProgress"/>.
/// </summary>
/// <param name="Loaded">The bytes transferred so far in the current attempt (restarts at each attempt).</param>
/// <param name="Total">The Content-Length, or <see langword="null"/> when unknown (see <see cref="HttpProgress.Total"/>).</param>
/// <param name="Attempt">The attempt number, from 1.</param>
/// <param name="BytesPerSecond">
/// The average rate of the current attempt since its first progress event, or <see langword="null"/> for that first event
/// (no time has passed yet).
/// </param>
/// <param name="EstimatedTimeRemaining">
/// The time left at <paramref name="BytesPerSecond"/>: <see langword="null"/> when <paramref name="Total"/> or the rate is
/// unknown or the rate is 0, and <see cref="TimeSpan.Zero"/> once everything was transferred.
/// </param>
public readonly record struct TransferProgress(long Loaded, long? Total, int Attempt, double? BytesPerSecond, TimeSpan? EstimatedTimeRemaining)
{
    /// <summary>Gets the fraction done, from 0 to 1, or <see langword="null"/> when <see cref="Total"/> is unknown.</summary>
    public double? Fraction => Total switch
    {
        null => null,
        0 => 1d,
        var total => Math.Min(1d, (double)Loaded / total.Value),
    };
}
