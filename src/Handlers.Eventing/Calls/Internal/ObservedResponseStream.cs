using System.Buffers;

namespace Handlers.Eventing.Internal;

/// <summary>
/// The response stream the caller reads: every read goes to <see cref="ResponseBodyObserver"/>, which reads the attempt's
/// source, raises the chunk events and reports the end of the body. It holds no transport stream of its own. Reads allocate
/// nothing per chunk.
/// </summary>
internal sealed class ObservedResponseStream : ReadOnlyStream
{
    private readonly ResponseBodyObserver _body;
    private byte[]? _scratch;

    public ObservedResponseStream(ResponseBodyObserver body)
    {
        _body = body;
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        return _body.Read(buffer.AsMemory(offset, count));
    }

    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty)
        {
            return _body.Read(Memory<byte>.Empty);
        }

        // A synchronous read goes through memory (ResponseBodyObserver.ReadBlocking), which a span cannot give: read into a
        // scratch array, then copy.
        // Stryker disable once Assignment,Linq : the scratch array's size and reuse change what is rented from the pool, not the bytes read
        var scratch = _scratch ??= ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length, 81920));
        var length = Math.Min(buffer.Length, scratch.Length);
        var read = _body.Read(scratch.AsMemory(0, length));
        scratch.AsSpan(0, read).CopyTo(buffer);
        return read;
    }

    public override int ReadByte()
    {
        Span<byte> one = stackalloc byte[1];
        return Read(one) == 1 ? one[0] : -1;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        _body.ReadAsync(buffer, cancellationToken);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Exception? toThrow;
            try
            {
                toThrow = _body.OnDisposed();
            }
            finally
            {
                _body.Source.Stream?.Dispose();
                // Stryker disable once Statement : returns the scratch array to the pool (a resource, not behaviour)
                ReturnScratch();
            }

            Fault.ThrowIfAny(toThrow);
        }

        // Stryker disable once Statement : Stream.Dispose(bool) does nothing
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        Exception? toThrow;
        try
        {
            toThrow = _body.OnDisposed();
        }
        finally
        {
            if (_body.Source.Stream is { } source)
            {
                await source.DisposeAsync().ConfigureAwait(false);
            }

            // Stryker disable once Statement : returns the scratch array to the pool (a resource, not behaviour)
            ReturnScratch();
        }

        // Stryker disable once Statement : the stream has no finalizer
        GC.SuppressFinalize(this);
        Fault.ThrowIfAny(toThrow);
    }

    // Stryker disable once Block : returns the scratch array to the pool (a resource, not behaviour)
    private void ReturnScratch()
    {
        if (Interlocked.Exchange(ref _scratch, null) is { } scratch)
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }
}
