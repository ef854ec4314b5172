using System.Runtime.CompilerServices;

namespace Handlers.Eventing.Internal;

// The caller's stream reads, in one place: each read enters (abort and close checks, the idle clock), reads the source's
// stream with the token ReadToken gives, and completes (chunk events, the end) or fails (the error the caller must see).
// ObservedResponseStream only forwards here, so it never holds the source's stream itself.
internal sealed partial class ResponseBodyObserver
{
    /// <summary>Reads the body into <paramref name="buffer"/> for the caller's stream. Allocates nothing when data is already there.</summary>
    public ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var source = SourceStream;
        if (buffer.IsEmpty)
        {
            return source.ReadAsync(buffer, cancellationToken);
        }

        EnterRead();
        ValueTask<int> pending;
        try
        {
            pending = source.ReadAsync(buffer, ReadToken(cancellationToken));
        }
        catch (Exception ex)
        {
            return ResumeOrThrowAsync(ex, buffer, cancellationToken);
        }

        if (!pending.IsCompletedSuccessfully)
        {
            return AwaitReadAsync(pending, buffer, cancellationToken);
        }

        // Completed synchronously (data was already buffered): no state machine on this path.
        var read = pending.Result;
        OnRead(read, buffer[..read]);
        return new ValueTask<int>(read);
    }

    /// <summary>Reads the body synchronously into <paramref name="destination"/> for the caller's stream (see <see cref="ReadBlocking"/>).</summary>
    public int Read(Memory<byte> destination)
    {
        var source = SourceStream;
        if (destination.IsEmpty)
        {
            return source.Read(destination.Span);
        }

        EnterRead();
        int read;
        try
        {
            read = ReadBlocking(source, destination, CancellationToken.None);
        }
        catch (Exception ex)
        {
            if (!TryResumeAsync(ex, CancellationToken.None, openStream: true, async: false).GetAwaiter().GetResult())
            {
                ThrowFailure(ex);
                throw;
            }

            return Read(destination);
        }

        OnRead(read, destination[..read]);
        return read;
    }

    /// <summary>Gets the stream of the source, which the content opened before it gave the caller a stream.</summary>
    private Stream SourceStream => _source.Stream ?? throw new InvalidOperationException("The response body's stream was not opened.");

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> AwaitReadAsync(ValueTask<int> pending, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        int read;
        try
        {
            read = await pending.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            return await ResumeOrThrowAsync(ex, buffer, cancellationToken).ConfigureAwait(false);
        }

        OnRead(read, buffer[..read]);
        return read;
    }

    /// <summary>After a failed read: resumes the body and reads again from the new source, or throws what the caller must see.</summary>
    private async ValueTask<int> ResumeOrThrowAsync(Exception exception, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        if (!await TryResumeAsync(exception, cancellationToken, openStream: true, async: true).ConfigureAwait(false))
        {
            ThrowFailure(exception, cancellationToken);
            Fault.Rethrow(exception);
        }

        return await ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
    }
}
