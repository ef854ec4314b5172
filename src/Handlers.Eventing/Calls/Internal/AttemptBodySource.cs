namespace Handlers.Eventing.Internal;

/// <summary>
/// Where a response body's bytes come from: one attempt's content, as the transport (or a handler below the call part) gave
/// it, and the stream opened on it. The caller's side of the body (<see cref="ResponseBodyObserver"/>: the caller's counts,
/// the idle clock, the read tokens, the one end) reads through it and never holds the transport's objects itself, so that
/// a source can be released — or replaced — without touching the stream the caller holds.
/// </summary>
internal sealed class AttemptBodySource
{
    private Stream? _stream;

    /// <param name="content">The attempt's response content.</param>
    /// <param name="attempt">The attempt whose body events this source's bytes raise, or <see langword="null"/> for a body that only reports its end.</param>
    public AttemptBodySource(HttpContent content, CallAttempt? attempt)
    {
        Content = content;
        Attempt = attempt;
        if (attempt is not null)
        {
            Decoder = content as DecodingContent;
            DecodedBelow = Decoder is null && DecodingContent.IsDecodedBelow(content);
        }
    }

    /// <summary>Gets the library's decoder between the wire and the reader (it counts the encoded bytes), or <see langword="null"/>.</summary>
    public DecodingContent? Decoder { get; }

    /// <summary>Gets a value indicating whether a primary handler decoded the body (its encoded bytes are never seen).</summary>
    public bool DecodedBelow { get; }

    /// <summary>Gets the attempt's response content.</summary>
    public HttpContent Content { get; }

    /// <summary>Gets the attempt whose body events this source raises, or <see langword="null"/>.</summary>
    public CallAttempt? Attempt { get; }

    /// <summary>Gets the stream opened on the content, or <see langword="null"/> before it was opened.</summary>
    public Stream? Stream => Volatile.Read(ref _stream);

    /// <summary>Records the stream opened on the content (by the caller's stream or a synchronous copy), for <see cref="Release"/>.</summary>
    public void SetStream(Stream stream) => Volatile.Write(ref _stream, stream);

    /// <summary>Releases the source: its stream and content, best effort (it only frees the connection).</summary>
    public void Release()
    {
        try
        {
            Stream?.Dispose();
            Content.Dispose();
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException)
        {
            // Best effort: disposal only releases the connection.
        }
    }
}
