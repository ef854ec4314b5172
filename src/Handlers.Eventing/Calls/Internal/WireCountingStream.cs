using System.Runtime.CompilerServices;

namespace Handlers.Eventing.Internal;

/// <summary>
/// The transport's stream of a body the library decodes, as its decoder reads it: counts the bytes that came off the network
/// (<see cref="HttpProgress.WireLoaded"/>). It can hold back the first byte once (<see cref="PeekFirstByteAsync"/>), for the
/// decoder that tells zlib from raw deflate. Reads allocate nothing per chunk.
/// </summary>
/// <remarks>One reader at a time (the decoder); <see cref="BytesRead"/> may be read from any thread.</remarks>
internal sealed class WireCountingStream(Stream transport) : ReadOnlyStream
{
    private Stream _transport = transport; // replaced by a resume (the reader's own thread, between reads)
    private long _bytesRead;
    private int _peeked = -1;

    /// <summary>Gets the bytes read from the transport so far.</summary>
    public long BytesRead => Volatile.Read(ref _bytesRead);

    /// <summary>
    /// Goes on reading from <paramref name="transport"/>, the rest of the same encoded body (a resume): the count goes on, and
    /// the decoder above never knows. The failed transport's stream is released.
    /// </summary>
    public void ReplaceTransport(Stream transport)
    {
        var failed = _transport;
        _transport = transport;
        ReleaseFailed(failed);
    }

    /// <summary>Releases the transport's stream after it failed, keeping this stream (and the decoder above) for a resume.</summary>
    public void ReleaseTransport() => ReleaseFailed(_transport);

    private static void ReleaseFailed(Stream failed)
    {
        try
        {
            failed.Dispose();
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            // Best effort: it only releases the connection.
        }
    }

    /// <summary>Reads the first byte of the body and keeps it for the next read; returns it, or -1 for an empty body.</summary>
    public async ValueTask<int> PeekFirstByteAsync(CancellationToken cancellationToken)
    {
        var one = new byte[1];
        var read = await _transport.ReadAsync(one, cancellationToken).ConfigureAwait(false);
        return Keep(read, one[0]);
    }

    /// <summary>Reads the first byte of the body synchronously and keeps it for the next read; returns it, or -1.</summary>
    public int PeekFirstByte()
    {
        Span<byte> one = stackalloc byte[1];
        var read = _transport.Read(one);
        return Keep(read, one[0]);
    }

    public override int Read(Span<byte> buffer)
    {
        if (TakePeeked(buffer.IsEmpty) is { } first)
        {
            buffer[0] = first;
            return 1;
        }

        var read = _transport.Read(buffer);
        Count(read);
        return read;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (TakePeeked(buffer.IsEmpty) is { } first)
        {
            buffer.Span[0] = first;
            return new ValueTask<int>(1);
        }

        var pending = _transport.ReadAsync(buffer, cancellationToken);
        if (!pending.IsCompletedSuccessfully)
        {
            return AwaitReadAsync(pending);
        }

        var read = pending.Result;
        Count(read);
        return new ValueTask<int>(read);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _transport.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await _transport.DisposeAsync().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> AwaitReadAsync(ValueTask<int> pending)
    {
        var read = await pending.ConfigureAwait(false);
        Count(read);
        return read;
    }

    private int Keep(int read, byte first)
    {
        if (read == 0)
        {
            return -1;
        }

        Count(1);
        _peeked = first;
        return first;
    }

    private byte? TakePeeked(bool emptyBuffer)
    {
        if (_peeked < 0 || emptyBuffer)
        {
            return null;
        }

        var first = (byte)_peeked;
        _peeked = -1;
        return first;
    }

    // One reader writes; others (telemetry at an abort) only read.
    private void Count(int read) => Volatile.Write(ref _bytesRead, _bytesRead + read);
}
