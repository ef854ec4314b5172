using Handlers.Eventing.Testing;

namespace Handlers.Eventing.Benchmarks.Infrastructure;

/// <summary>
/// A non-seekable in-memory stream of <c>length</c> bytes: each read copies from a fixed pattern buffer, which is the
/// least any real source does (a socket read copies from the kernel), and nothing else.
/// </summary>
internal sealed class GeneratedStream(long length) : ReadOnlyStream
{
    private static readonly byte[] s_pattern = CreatePattern();
    private long _remaining = length;

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

    private static byte[] CreatePattern()
    {
        var pattern = new byte[1024 * 1024];
        Random.Shared.NextBytes(pattern);
        return pattern;
    }
}
