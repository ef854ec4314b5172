namespace Handlers.Eventing.Internal;

/// <summary>
/// The part every write-through wrapper shares: a forward-only, write-only stream over a destination that it flushes.
/// Derived types observe the writes.
/// </summary>
internal abstract class WriteOnlyStream(Stream destination) : Stream
{
    protected Stream Destination { get; } = destination;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Flush() => Destination.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => Destination.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
