using Handlers.Eventing.Testing;

namespace Handlers.Eventing.Benchmarks.Infrastructure;

/// <summary>
/// A non-seekable body that never ends and copies nothing: every read returns the buffer's length at once. It isolates what
/// a reader of the body costs per read, and what the handler adds to each.
/// </summary>
internal sealed class EndlessStream : ReadOnlyStream
{
    public override int Read(byte[] buffer, int offset, int count) => count;

    public override int Read(Span<byte> buffer) => buffer.Length;

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => new(buffer.Length);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => Task.FromResult(count);
}
