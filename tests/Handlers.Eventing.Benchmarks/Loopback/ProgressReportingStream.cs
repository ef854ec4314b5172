using Handlers.Eventing.Testing;

namespace Handlers.Eventing.Benchmarks.Loopback;

/// <summary>
/// What users write instead of the handler: a read-only wrapper over the response stream that hands each chunk to a data
/// callback and the running count to a progress callback, on the async read path the benchmark uses.
/// </summary>
internal sealed class ProgressReportingStream(Stream inner, long? total, Action<ReadOnlyMemory<byte>> onData, Action<long, long?> onProgress) : ReadOnlyStream
{
    private long _loaded;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        if (read > 0)
        {
            _loaded += read;
            onProgress(_loaded, total);
            onData(buffer[..read]);
        }

        return read;
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        var read = inner.Read(buffer, offset, count);
        if (read > 0)
        {
            _loaded += read;
            onProgress(_loaded, total);
            onData(buffer.AsMemory(offset, read));
        }

        return read;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
