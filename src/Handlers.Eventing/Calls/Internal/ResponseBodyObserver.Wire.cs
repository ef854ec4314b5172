namespace Handlers.Eventing.Internal;

// The body on the wire (design.md r3, "Progress on the wire"): the progress each chunk raises with its wire counts, and the
// wire bytes an attempt's body-size measurement records. Three kinds of body: one the library decodes (its decoder slot
// counts the encoded bytes), one a primary handler decoded (the encoded bytes are never seen: null), and one that was not
// encoded (the wire is what the reader receives).
internal sealed partial class ResponseBodyObserver
{
    private long _wireReported;

    private DecodingContent? Decoder => _source.Decoder;

    /// <summary>Gets the bytes of the body that came off the network so far: the encoded ones when the library decodes it.</summary>
    /// <remarks>For a body a primary handler decoded, the decoded bytes: the only count there is.</remarks>
    public long WireBytes => Decoder is { } decoder ? decoder.WireLoaded : Volatile.Read(ref _loaded);

    /// <summary>Gets the bytes of the body delivered to the reader so far.</summary>
    public long DeliveredBytes => Volatile.Read(ref _loaded);

    /// <summary>Gets a value indicating whether the library decodes the body (its wire bytes are the encoded ones).</summary>
    public bool Decodes => Decoder is not null;

    /// <summary>Gets a value indicating whether a primary handler decoded the body (its encoded bytes are unknown).</summary>
    public bool DecodedBelow => _source.DecodedBelow;

    /// <summary>Returns the progress of the body at <paramref name="loaded"/> bytes delivered, with its wire counts.</summary>
    private HttpProgress ProgressAt(long loaded, int attempt)
    {
        if (Decoder is { } decoder)
        {
            var wire = _wireReported = decoder.WireLoaded;
            return new HttpProgress(loaded, Total, attempt, wire, decoder.WireTotal);
        }

        return DecodedBelow ? new HttpProgress(loaded, Total, attempt, null, null) : new HttpProgress(loaded, Total, attempt);
    }

    /// <summary>
    /// Returns the progress to raise before <see cref="HttpEvents.HttpDone"/>, or <see langword="null"/>: 0 of 0 for an empty
    /// body, and for a decoded body whose decoder read encoded bytes after the last chunk (a trailer), the final wire counts.
    /// </summary>
    private HttpProgress? FinalProgress(int attempt)
    {
        if (_loaded == 0)
        {
            return ProgressAt(0, attempt);
        }

        return Decoder is { } decoder && decoder.WireLoaded != _wireReported ? ProgressAt(_loaded, attempt) : null;
    }
}
