using System.Buffers;
using System.Runtime.CompilerServices;

namespace Handlers.Eventing.Internal;

/// <summary>
/// The destination a response body is copied into when the caller copies or buffers it: each write is a chunk of the
/// body, reported to <see cref="ResponseBodyObserver"/> before it is passed on. The body's idle clock stops for the chunk and
/// starts again once the destination took it: a slow destination is a slow consumer, not a stall.
/// </summary>
internal sealed class ResponseCopyStream(Stream destination, ResponseBodyObserver body) : WriteOnlyStream(destination)
{
    private readonly ResponseBodyObserver _body = body;

    public override void Write(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        if (count > 0)
        {
            _body.OnChunkCopied(count, buffer.AsMemory(offset, count));
        }

        Destination.Write(buffer, offset, count);
        _body.StartIdleClock();
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (buffer.IsEmpty)
        {
            return;
        }

        if (!_body.WantsChunks)
        {
            _body.OnChunkCopied(buffer.Length, default);
            Destination.Write(buffer);
            _body.StartIdleClock();
            return;
        }

        // A listener wants the bytes as memory, which a span cannot give.
        var scratch = ArrayPool<byte>.Shared.Rent(buffer.Length);
        try
        {
            buffer.CopyTo(scratch);
            Write(scratch, 0, buffer.Length);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty)
        {
            return Destination.WriteAsync(buffer, cancellationToken);
        }

        _body.OnChunkCopied(buffer.Length, buffer);
        var written = Destination.WriteAsync(buffer, cancellationToken);
        if (!_body.HasIdleClock)
        {
            return written;
        }

        if (written.IsCompletedSuccessfully)
        {
            _body.StartIdleClock();
            return written;
        }

        return AwaitWriteAsync(written);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask AwaitWriteAsync(ValueTask written)
    {
        await written.ConfigureAwait(false);
        _body.StartIdleClock();
    }
}
