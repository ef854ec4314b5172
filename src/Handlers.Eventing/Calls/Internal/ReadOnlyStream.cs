namespace Handlers.Eventing.Internal;

/// <summary>
/// The part every read-only stream of the body path shares: forward-only, not seekable, not writable; the array overloads
/// go to the span and memory reads a derived type implements.
/// </summary>
internal abstract class ReadOnlyStream : Stream
{
    private const string NotSeekable = "The response stream does not support seeking; read it to its end instead.";

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException(NotSeekable);

    public override long Position
    {
        get => throw new NotSupportedException(NotSeekable);
        set => throw new NotSupportedException(NotSeekable);
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        return Read(buffer.AsSpan(offset, count));
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException(NotSeekable);

    public override void SetLength(long value) => throw new NotSupportedException("The response stream is read-only.");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("The response stream is read-only.");
}
