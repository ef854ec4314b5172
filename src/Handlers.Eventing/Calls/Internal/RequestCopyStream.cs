namespace Handlers.Eventing.Internal;

/// <summary>
/// The transport's request stream as the original content sees it: writes are sliced into pieces of at most
/// <see cref="RequestBodyObserver.SliceSize"/> bytes, each reported to the <see cref="RequestBodyObserver"/> once the transport
/// accepted it. The request-side twin of <see cref="ResponseCopyStream"/>.
/// </summary>
internal sealed class RequestCopyStream(Stream transport, RequestBodyObserver observer) : WriteOnlyStream(transport)
{
    private readonly RequestBodyObserver _observer = observer;

    public override void Write(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        Write(buffer.AsSpan(offset, count));
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            var slice = buffer[..Math.Min(buffer.Length, RequestBodyObserver.SliceSize)];
            Destination.Write(slice);
            _observer.OnWritten(slice.Length);
            buffer = buffer[slice.Length..];
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder))]
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (!buffer.IsEmpty)
        {
            var slice = buffer[..Math.Min(buffer.Length, RequestBodyObserver.SliceSize)];
            await Destination.WriteAsync(slice, cancellationToken).ConfigureAwait(false);
            _observer.OnWritten(slice.Length);
            buffer = buffer[slice.Length..];
        }
    }
}
