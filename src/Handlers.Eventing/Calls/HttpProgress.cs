namespace Handlers.Eventing;

/// <summary>The argument of <see cref="HttpEvents.HttpUploadProgress"/> and <see cref="HttpEvents.HttpDownloadProgress"/>.</summary>
/// <param name="Loaded">The bytes transferred so far in the current attempt (restarts at each attempt).</param>
/// <param name="Total">
/// The Content-Length as the reader sees it, or <see langword="null"/> when unknown (never 0 for unknown). With automatic
/// decompression the transport removes Content-Length, so <paramref name="Total"/> is null and <paramref name="Loaded"/>
/// counts decompressed bytes.
/// </param>
/// <param name="Attempt">The attempt number, from 1.</param>
public readonly record struct HttpProgress(long Loaded, long? Total, int Attempt)
{
    /// <summary>Gets the fraction done, from 0 to 1, or <see langword="null"/> when <see cref="Total"/> is unknown.</summary>
    public double? Fraction => Total switch
    {
        null => null,
        0 => 1d,
        var total => Math.Min(1d, (double)Loaded / total.Value),
    };
}
