using System.IO.Compression;
using System.Net;

namespace Handlers.Eventing.Internal;

/// <summary>
/// The decoder slot of a body the library decodes (<see cref="ResponseBodyOptions.AutomaticDecompression"/>): between an
/// attempt's transport content and the content the caller reads, it reads the transport's stream through a
/// <see cref="WireCountingStream"/> and the BCL's decoder, and reports the headers a decoding client reports. Nothing of the
/// body is copied beyond the decoder's own buffer.
/// </summary>
/// <remarks>
/// It behaves as the runtime's <c>DecompressionHandler</c> content: its headers are the transport's without
/// <c>Content-Length</c> (removed on purpose, so that buffering adds none) and without the last <c>Content-Encoding</c>, the
/// one it decodes; its stream can be read once.
/// </remarks>
internal sealed class DecodingContent : HttpContent
{
    private HttpContent _encoded; // replaced by a resume, which keeps the decoder and swaps the encoded body under it
    private Stream? _decoded;
    private bool _resumed; // a resume swapped the wire under the open decoded stream: the next copy goes on from it
    private readonly DecompressionMethods _coding;
    private WireCountingStream? _wire;
    private bool _consumed;

    private DecodingContent(HttpContent encoded, DecompressionMethods coding, ICollection<string> encodings)
    {
        _encoded = encoded;
        _coding = coding;
        WireTotal = encoded.Headers.ContentLength;
        foreach (var header in encoded.Headers.NonValidated)
        {
            if (!string.Equals(header.Key, "Content-Encoding", StringComparison.OrdinalIgnoreCase))
            {
                Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }

        // The encoded length is not the decoded body's: the copied Content-Length goes, as the runtime's decoding removes it.
        Headers.ContentLength = null;
        string? previous = null;
        foreach (var encoding in encodings)
        {
            if (previous is not null)
            {
                Headers.ContentEncoding.Add(previous);
            }

            previous = encoding;
        }
    }

    /// <summary>Gets the encoded body's length: the transport's Content-Length, or <see langword="null"/> when it sent none.</summary>
    public long? WireTotal { get; }

    /// <summary>Gets the encoded bytes the decoder read from the transport so far.</summary>
    public long WireLoaded => Volatile.Read(ref _wire)?.BytesRead ?? 0;

    /// <summary>
    /// Returns a decoding content over <paramref name="content"/> when <paramref name="methods"/> covers its last
    /// <c>Content-Encoding</c> (compared without regard to case, as the runtime does), else <see langword="null"/>.
    /// Nothing is allocated for a response without a <c>Content-Encoding</c>.
    /// </summary>
    public static DecodingContent? TryCreate(HttpContent content, DecompressionMethods methods)
    {
        // Stryker disable once Block : without it a response with no coding reaches the same null through the coding match below, only after allocating its header collection
        if (methods == DecompressionMethods.None || !content.Headers.NonValidated.Contains("Content-Encoding"))
        {
            return null;
        }

        var encodings = content.Headers.ContentEncoding;
        string? last = null;
        foreach (var encoding in encodings)
        {
            last = encoding;
        }

        var coding =
            (methods & DecompressionMethods.GZip) != 0 && string.Equals(last, "gzip", StringComparison.OrdinalIgnoreCase) ? DecompressionMethods.GZip
            : (methods & DecompressionMethods.Deflate) != 0 && string.Equals(last, "deflate", StringComparison.OrdinalIgnoreCase) ? DecompressionMethods.Deflate
            : (methods & DecompressionMethods.Brotli) != 0 && string.Equals(last, "br", StringComparison.OrdinalIgnoreCase) ? DecompressionMethods.Brotli
            : DecompressionMethods.None;
        return coding == DecompressionMethods.None ? null : new DecodingContent(content, coding, encodings);
    }

    /// <summary>
    /// Adds to <paramref name="request"/>'s <c>Accept-Encoding</c> each coding of <paramref name="methods"/> it lacks, in the
    /// runtime's order (<c>gzip</c>, <c>deflate</c>, <c>br</c>), as <c>SocketsHttpHandler</c> does with the same setting.
    /// </summary>
    public static void AddAcceptEncoding(HttpRequestMessage request, DecompressionMethods methods)
    {
        Add(request, methods, DecompressionMethods.GZip, "gzip");
        Add(request, methods, DecompressionMethods.Deflate, "deflate");
        Add(request, methods, DecompressionMethods.Brotli, "br");

        static void Add(HttpRequestMessage request, DecompressionMethods methods, DecompressionMethods method, string coding)
        {
            if ((methods & method) == 0)
            {
                return;
            }

            var accepted = request.Headers.AcceptEncoding;
            foreach (var value in accepted)
            {
                if (string.Equals(value.Value, coding, StringComparison.OrdinalIgnoreCase))
                {
                    return;
                }
            }

            accepted.Add(new(coding));
        }
    }

    /// <summary>
    /// Tells whether a primary handler decoded <paramref name="content"/>: the runtime's decompression
    /// (<c>SocketsHttpHandler</c>/<c>HttpClientHandler</c> <c>AutomaticDecompression</c>) replaces the transport's content by
    /// one of its own nested content types, so a body it did not decode (the server sent identity) keeps the transport's.
    /// </summary>
    public static bool IsDecodedBelow(HttpContent content) =>
        content.GetType().DeclaringType?.FullName == "System.Net.Http.DecompressionHandler";

    /// <summary>Returns the codings that the primary handler under <paramref name="handler"/> decodes itself.</summary>
    public static DecompressionMethods PrimaryDecompression(HttpMessageHandler? handler)
    {
        while (handler is DelegatingHandler delegating)
        {
            handler = delegating.InnerHandler;
        }

        return handler switch
        {
            SocketsHttpHandler sockets => sockets.AutomaticDecompression,
            HttpClientHandler client => client.AutomaticDecompression,
            _ => DecompressionMethods.None,
        };
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    /// <summary>Gets the encoded content the decoder reads (the transport's, or a resume's).</summary>
    public HttpContent EncodedContent => _encoded;

    /// <summary>
    /// Goes on decoding from <paramref name="encoded"/>, a resume's answer with the rest of the same encoded body, whose stream
    /// <paramref name="transport"/> is: the decoder and its state stay, only the wire under it changes.
    /// </summary>
    public void ResumeFrom(HttpContent encoded, Stream transport)
    {
        var failed = _encoded;
        _encoded = encoded;
        _wire!.ReplaceTransport(transport);
        _resumed = true;
        failed.Dispose();
    }

    /// <summary>Releases the failed transport's stream, keeping the decoder for a resume.</summary>
    public void ReleaseTransport() => Volatile.Read(ref _wire)?.ReleaseTransport();

    // A copy that failed leaves the decoded stream open: a resume swaps the wire under it and the next copy goes on from it.
    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        var decoded = ContinuedStream() ?? await CreateContentReadStreamAsync(cancellationToken).ConfigureAwait(false);
        await decoded.CopyToAsync(stream, cancellationToken).ConfigureAwait(false);
        await decoded.DisposeAsync().ConfigureAwait(false);
    }

    protected override void SerializeToStream(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        var decoded = ContinuedStream() ?? CreateContentReadStream(cancellationToken);
        decoded.CopyTo(stream);
        decoded.Dispose();
    }

    protected override Task<Stream> CreateContentReadStreamAsync() => CreateContentReadStreamAsync(CancellationToken.None);

    protected override async Task<Stream> CreateContentReadStreamAsync(CancellationToken cancellationToken)
    {
        Consume();
        return Decode(await _encoded.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false));
    }

    protected override Stream CreateContentReadStream(CancellationToken cancellationToken)
    {
        Consume();
        return Decode(_encoded.ReadAsStream(cancellationToken));
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            // Stryker disable once Statement : frees the decoder's native state now rather than at finalization; the transport is released by the encoded content below either way
            _decoded?.Dispose();
            _encoded.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>Returns the open decoded stream once after a resume, for the copy that goes on; otherwise <see langword="null"/>.</summary>
    private Stream? ContinuedStream()
    {
        if (!_resumed)
        {
            return null;
        }

        // Stryker disable once Boolean : each resume sets it again before the one copy that goes on; no second copy follows without one
        _resumed = false;
        return _decoded;
    }

    private void Consume()
    {
        if (_consumed)
        {
            throw new InvalidOperationException("The stream was already consumed. It cannot be read again.");
        }

        _consumed = true;
    }

    private Stream Decode(Stream transport)
    {
        var wire = new WireCountingStream(transport);
        Volatile.Write(ref _wire, wire);
        return _decoded = _coding switch
        {
            DecompressionMethods.GZip => new GZipStream(wire, CompressionMode.Decompress),
            DecompressionMethods.Brotli => new BrotliStream(wire, CompressionMode.Decompress),
            _ => new ZLibOrDeflateStream(wire),
        };
    }
}
