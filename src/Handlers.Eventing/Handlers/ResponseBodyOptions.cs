using System.Net;

namespace Handlers.Eventing;

/// <summary>
/// The options that act on a response body instead of only observing it (<see cref="EventingOptions.ResponseBody"/>). Each is
/// off by default; with all of them off, the caller gets exactly what <see cref="HttpClient"/> would give without the handler.
/// </summary>
public sealed class ResponseBodyOptions
{
    private TimeSpan _idleTimeout = Timeout.InfiniteTimeSpan;

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
