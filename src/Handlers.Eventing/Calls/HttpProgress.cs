using Handlers.Eventing.Internal;

namespace Handlers.Eventing;

/// <summary>The argument of <see cref="HttpEvents.HttpUploadProgress"/> and <see cref="HttpEvents.HttpDownloadProgress"/>.</summary>
/// <remarks>
/// <see cref="Loaded"/>/<see cref="Total"/> count the bytes the reader receives (decoded, when the body was decoded);
/// <see cref="WireLoaded"/>/<see cref="WireTotal"/> count the same body as it came off the network. docs/downloads.md says
/// which one a progress bar should read (<see cref="Fraction"/>).
/// </remarks>
public readonly struct HttpProgress
{
    /// <summary>Initializes a new instance for a body that was not encoded: <see cref="WireLoaded"/> and <see cref="WireTotal"/> equal <paramref name="loaded"/> and <paramref name="total"/>.</summary>
    /// <param name="loaded">The bytes transferred so far in the current attempt.</param>
    /// <param name="total">The body length, or <see langword="null"/> when unknown.</param>
    /// <param name="attempt">The attempt number, from 1.</param>
    public HttpProgress(long loaded, long? total, int attempt)
        : this(loaded, total, attempt, loaded, total)
    {
    }

    /// <summary>Initializes a new instance with the body's bytes on the wire.</summary>
    /// <param name="loaded">The bytes transferred so far in the current attempt, as the reader receives them.</param>
    /// <param name="total">The body length as the reader receives it, or <see langword="null"/> when unknown.</param>
    /// <param name="attempt">The attempt number, from 1.</param>
    /// <param name="wireLoaded">The bytes received from the network so far, or <see langword="null"/> when unknown.</param>
    /// <param name="wireTotal">The body length on the network, or <see langword="null"/> when unknown.</param>
    public HttpProgress(long loaded, long? total, int attempt, long? wireLoaded, long? wireTotal)
    {
        Loaded = loaded;
        Total = total;
        Attempt = attempt;
        WireLoaded = wireLoaded;
        WireTotal = wireTotal;
    }

    /// <summary>Gets the bytes transferred so far in the current attempt (restarts at each attempt), as the reader receives them.</summary>
    public long Loaded { get; }

    /// <summary>
    /// Gets the Content-Length as the reader sees it, or <see langword="null"/> when unknown (never 0 for unknown). A decoded
    /// body has none (the decoder removes Content-Length): then <see cref="Loaded"/> counts decoded bytes and
    /// <see cref="WireTotal"/> still knows the encoded length when the library decoded it
    /// (<see cref="ResponseBodyOptions.AutomaticDecompression"/>). A response without a body (HEAD, 204, 304) reports 0 of 0.
    /// </summary>
    public long? Total { get; }

    /// <summary>Gets the attempt number, from 1.</summary>
    public int Attempt { get; }

    /// <summary>
    /// Gets the bytes of the body received from the network so far in the current attempt: equal to <see cref="Loaded"/> for a
    /// body that was not encoded (and for uploads); the encoded bytes the decoder consumed for a body the library decodes
    /// (<see cref="ResponseBodyOptions.AutomaticDecompression"/>); <see langword="null"/> for a body a primary handler decoded
    /// (<c>SocketsHttpHandler.AutomaticDecompression</c>), whose encoded bytes the library never sees.
    /// </summary>
    public long? WireLoaded { get; }

    /// <summary>
    /// Gets the body length on the network: equal to <see cref="Total"/> for a body that was not encoded; the encoded
    /// Content-Length for a body the library decodes; <see langword="null"/> when unknown or decoded by a primary handler.
    /// </summary>
    public long? WireTotal { get; }

    /// <summary>
    /// Gets the fraction done, from 0 to 1: <see cref="Loaded"/>/<see cref="Total"/> when <see cref="Total"/> is known, else
    /// <see cref="WireLoaded"/>/<see cref="WireTotal"/>, else <see langword="null"/>.
    /// </summary>
    public double? Fraction => ProgressMath.Fraction(Loaded, Total, WireLoaded, WireTotal);

    /// <summary>Returns the progress as <c>Loaded/Total (attempt N)</c>, with <c>, wire WireLoaded/WireTotal</c> when they differ.</summary>
    /// <returns>A description for logs and the debugger.</returns>
    public override string ToString() => ProgressMath.Describe(Loaded, Total, Attempt, WireLoaded, WireTotal);
}
