namespace Handlers.Eventing.Benchmarks.Infrastructure;

/// <summary>
/// A non-seekable in-memory stream of <c>length</c> bytes: each read copies from a fixed pattern buffer, which is the
/// least any real source does (a socket read copies from the kernel), and nothing else.
/// </summary>
internal sealed class GeneratedStream(long length) : Stream
{
    private static readonly byte[] s_pattern = CreatePattern();
    private long _remaining = length;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = (int)Math.Min(Math.Min(buffer.Length, _remaining), s_pattern.Length);
        s_pattern.AsSpan(0, n).CopyTo(buffer);
        _remaining -= n;
        return n;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        new(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(Read(buffer.AsSpan(offset, count)));

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private static byte[] CreatePattern()
    {
        var pattern = new byte[1024 * 1024];
        Random.Shared.NextBytes(pattern);
        return pattern;
    }
}
