using System.Net;

namespace Handlers.Eventing;

/// <summary>
/// The options that act on a response body instead of only observing it (<see cref="EventingOptions.ResponseBody"/>). Each is
/// off by default; with all of them off, the caller gets exactly what <see cref="HttpClient"/> would give without the handler.
/// </summary>
public sealed class ResponseBodyOptions
{
    private TimeSpan _idleTimeout = Timeout.InfiniteTimeSpan;
    private int _maxResumeAttempts;

    /// <summary>
    /// Gets or sets the content codings the library decodes itself, as <see cref="SocketsHttpHandler.AutomaticDecompression"/>
    /// would, so that a compressed download keeps its length on the wire (<see cref="HttpProgress.WireTotal"/>) and a progress
    /// bar a true <see cref="HttpProgress.Fraction"/>.
    /// </summary>
    /// <value>The default is <see cref="DecompressionMethods.None"/>: bodies are passed on as the transport gives them.</value>
    /// <remarks>
    /// <para>
    /// The caller gets what a client whose primary handler has the same <c>AutomaticDecompression</c> gets: each enabled coding
    /// the request's <c>Accept-Encoding</c> lacks is added (<c>gzip</c>, <c>deflate</c>, <c>br</c>, in that order), and a
    /// response whose last <c>Content-Encoding</c> is an enabled coding (<c>gzip</c>; <c>deflate</c>, zlib-wrapped or raw;
    /// <c>br</c>) is decoded with the BCL's <see cref="System.IO.Compression.GZipStream"/>,
    /// <see cref="System.IO.Compression.ZLibStream"/>, <see cref="System.IO.Compression.DeflateStream"/> or
    /// <see cref="System.IO.Compression.BrotliStream"/>; its content headers lose that coding and <c>Content-Length</c>.
    /// </para>
    /// <para>
    /// Progress then counts decoded bytes in <see cref="HttpProgress.Loaded"/> (with <see cref="HttpProgress.Total"/> null)
    /// and the encoded bytes in <see cref="HttpProgress.WireLoaded"/> of <see cref="HttpProgress.WireTotal"/> (the encoded
    /// Content-Length). Leave the primary handler's own <c>AutomaticDecompression</c> off: a body it decodes reaches the
    /// library decoded, with <see cref="HttpProgress.WireLoaded"/> and <see cref="HttpProgress.WireTotal"/> null (lifecycle
    /// logging says so once per client at Debug level).
    /// </para>
    /// </remarks>
    public DecompressionMethods AutomaticDecompression { get; set; }

    /// <summary>
    /// Gets or sets how long a pending read of a response body may wait without receiving a byte before it fails with
    /// <see cref="HttpBodyIdleTimeoutException"/>.
    /// </summary>
    /// <value>The default is <see cref="Timeout.InfiniteTimeSpan"/>: a read waits as long as the transport lets it.</value>
    /// <remarks>
    /// <para>
    /// With <see cref="HttpCompletionOption.ResponseHeadersRead"/>, <see cref="HttpClient.Timeout"/> (and the timeouts of a
    /// resilience handler) end at the response headers: a server that stops sending in the middle of the body leaves the
    /// reader waiting forever. Set this for a client that downloads, and override it per call with
    /// <see cref="HttpCall.BodyIdleTimeout"/> for a stream that may idle (server-sent events, long polls).
    /// </para>
    /// <para>
    /// The clock runs only while the caller waits for a read (a slow consumer is not a stall) and restarts with every byte,
    /// on every read path: stream reads, copies and <see cref="HttpClient"/>'s buffering. A stall is a transport failure of
    /// the attempt: <see cref="HttpEvents.HttpError"/>, then the call's <see cref="HttpEvents.Error"/> with the same exception.
    /// </para>
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException">The value is zero, or negative and not <see cref="Timeout.InfiniteTimeSpan"/>.</exception>
    public TimeSpan IdleTimeout
    {
        get => _idleTimeout;
        set
        {
            ValidateIdleTimeout(value, nameof(value));
            _idleTimeout = value;
        }
    }

    /// <summary>
    /// Gets or sets how many times, in total per call, a body that fails mid-stream is fetched again from where it broke
    /// (<c>Range: bytes={received}-</c> with <c>If-Range</c>), transparently to the stream the caller reads.
    /// </summary>
    /// <value>The default is 0: a body that fails mid-stream fails the call.</value>
    /// <remarks>
    /// <para>
    /// Only transport failures are resumed (a reset, a truncated body, an I/O error, <see cref="HttpBodyIdleTimeoutException"/>),
    /// never cancellation, <see cref="HttpCall.Abort"/>, disposal or a listener's exception; and only a resumable response: a
    /// GET whose request has no <c>Range</c> of its own, status 200 or 206 with a known length, a strong <c>ETag</c> (or, for a
    /// body that is not encoded, a <c>Last-Modified</c>) to send as <c>If-Range</c>, and <c>Accept-Ranges: bytes</c> or a 206.
    /// A body the library decodes (<see cref="AutomaticDecompression"/>) resumes at its encoded offset, its decoder going on
    /// under the new bytes; a body a primary handler decoded is not resumable (its encoded offset is unknown).
    /// </para>
    /// <para>
    /// The new attempt is the request as it stood after its send (its final URI, its headers as the handlers left them) sent
    /// through the pipeline below the call part, so resilience handlers apply to it. Its events: the failed attempt's
    /// <see cref="HttpEvents.HttpError"/>, <see cref="HttpEvents.Retry"/> with <see cref="HttpAttemptKind.Resume"/>, the new
    /// attempt's <see cref="HttpEvents.HttpHeaders"/> (206), then its progress and data, which go on from the bytes already
    /// delivered. A 206 that starts at the offset and names the same complete length, validator and content coding continues
    /// the caller's stream; any other answer, a failed send or no resumes left makes the caller's read throw the failure that
    /// could not be resumed. See docs/downloads.md.
    /// </para>
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public int MaxResumeAttempts
    {
        get => _maxResumeAttempts;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            _maxResumeAttempts = value;
        }
    }

    internal static void ValidateIdleTimeout(TimeSpan value, string paramName)
    {
        if (value != Timeout.InfiniteTimeSpan && (value <= TimeSpan.Zero || value.TotalMilliseconds > int.MaxValue))
        {
            throw new ArgumentOutOfRangeException(
                paramName,
                value,
                "The idle timeout must be positive (and at most Int32.MaxValue milliseconds), or Timeout.InfiniteTimeSpan to turn it off.");
        }
    }

    internal ResponseBodyOptions Clone() => (ResponseBodyOptions)MemberwiseClone();
}
