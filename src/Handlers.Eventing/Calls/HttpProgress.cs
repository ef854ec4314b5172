using Handlers.Eventing.Internal;

namespace Handlers.Eventing;

/// <summary>The argument of <see cref="HttpEvents.HttpUploadProgress"/> and <see cref="HttpEvents.HttpDownloadProgress"/>.</summary>
public readonly struct HttpProgress
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="loaded">The bytes transferred so far in the current attempt.</param>
    /// <param name="total">The body length, or <see langword="null"/> when unknown.</param>
    /// <param name="attempt">The attempt number, from 1.</param>
    public HttpProgress(long loaded, long? total, int attempt)
    {
        Loaded = loaded;
        Total = total;
        Attempt = attempt;
    }

    /// <summary>Gets the bytes transferred so far in the current attempt (restarts at each attempt).</summary>
    public long Loaded { get; }

    /// <summary>
    /// Gets the Content-Length as the reader sees it, or <see langword="null"/> when unknown (never 0 for unknown). With
    /// automatic decompression the transport removes Content-Length, so it is null and <see cref="Loaded"/> counts
    /// decompressed bytes. A response without a body (HEAD, 204, 304) reports 0 of 0.
    /// </summary>
    public long? Total { get; }

    /// <summary>Gets the attempt number, from 1.</summary>
    public int Attempt { get; }

    /// <summary>Gets the fraction done, from 0 to 1, or <see langword="null"/> when <see cref="Total"/> is unknown.</summary>
    public double? Fraction => ProgressMath.Fraction(Loaded, Total);

    /// <summary>Returns the progress as <c>Loaded/Total (attempt N)</c>.</summary>
    /// <returns>A description for logs and the debugger.</returns>
    public override string ToString() => ProgressMath.Describe(Loaded, Total, Attempt);
}
