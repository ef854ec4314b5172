using System.IO.Compression;

namespace Handlers.Eventing.Internal;

/// <summary>
/// Decodes a <c>deflate</c> body as the runtime's decompression does: the coding is the zlib format (RFC 1950), but some
/// servers send raw deflate (RFC 1951), so the first read peeks at the first byte — a low nibble of 8 is zlib's header — and
/// reads through <see cref="ZLibStream"/> or <see cref="DeflateStream"/> from then on.
/// </summary>
internal sealed class ZLibOrDeflateStream(WireCountingStream source) : ReadOnlyStream
{
    private readonly WireCountingStream _source = source;
    private Stream? _decoder;

    public override int Read(Span<byte> buffer) => (_decoder ?? Choose(_source.PeekFirstByte())).Read(buffer);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        _decoder is { } decoder ? decoder.ReadAsync(buffer, cancellationToken) : ChooseAndReadAsync(buffer, cancellationToken);

    public override void CopyTo(Stream destination, int bufferSize)
    {
        ValidateCopyToArguments(destination, bufferSize);
        (_decoder ?? Choose(_source.PeekFirstByte())).CopyTo(destination, bufferSize);
    }

    public override async Task CopyToAsync(Stream destination, int bufferSize, CancellationToken cancellationToken)
    {
        // Stryker disable once Statement : the library's copies always pass a destination and a positive size; kept for Stream's contract
        ValidateCopyToArguments(destination, bufferSize);
        var decoder = _decoder ?? Choose(await _source.PeekFirstByteAsync(cancellationToken).ConfigureAwait(false));
        await decoder.CopyToAsync(destination, bufferSize, cancellationToken).ConfigureAwait(false);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            // The decoder owns the source once chosen.
            // Stryker disable once Statement,NullCoalescing : the decoding content also disposes the encoded content, which releases the same transport
            (_decoder ?? _source).Dispose();
        }

        base.Dispose(disposing);
    }

    private async ValueTask<int> ChooseAndReadAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var decoder = Choose(await _source.PeekFirstByteAsync(cancellationToken).ConfigureAwait(false));
        return await decoder.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
    }

    private Stream Choose(int firstByte) =>
        _decoder = (firstByte & 0xF) == 8
            ? new ZLibStream(_source, CompressionMode.Decompress)
            : new DeflateStream(_source, CompressionMode.Decompress);
}
