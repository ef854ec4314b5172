using Handlers.Eventing.Testing;

namespace Handlers.Eventing.Tests.Infrastructure;

/// <summary>A non-seekable stream of <see cref="LoopbackServer.PatternByte"/> bytes that allocates nothing per read.</summary>
public sealed class GeneratingStream : ReadOnlyStream
{
    private readonly long _length;
    private long _position;

    public GeneratingStream(long length) => _length = length;

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var size = (int)Math.Min(buffer.Length, _length - _position);
        for (var i = 0; i < size; i++)
        {
            buffer[i] = LoopbackServer.PatternByte(_position + i);
        }

        _position += size;
        return size;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(Read(buffer.AsSpan(offset, count)));

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        new(Read(buffer.Span));
}
