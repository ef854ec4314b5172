namespace Handlers.Eventing.Testing;

/// <summary>
/// The one generated body of the tests and benchmarks: a non-seekable stream of <c>length</c> bytes (or one that never ends)
/// whose byte at index i is <see cref="PatternByte"/>(i), so a reader can check bytes without storing them. A read copies from
/// a fixed pattern buffer, the least any real source does (a socket read copies from the kernel), and allocates nothing.
/// Without <c>fill</c>, a read writes nothing and returns at once: what a reader of a body costs per read, and nothing else.
/// Linked into both test projects.
/// </summary>
public sealed class GeneratingStream : ReadOnlyStream
{
    // The pattern repeats every Period bytes: the buffer holds whole periods and one more, so a read of up to
    // MaxCopy bytes starting at any phase of the pattern is one copy.
    private const int Period = 251;
    private const int MaxCopy = 64 * Period * 16;
    private static readonly byte[] s_pattern = CreatePattern();
    private readonly long? _length;
    private readonly bool _fill;
    private long _position;

    /// <summary>Initializes a stream of <paramref name="length"/> pattern bytes, or an endless one when it is <see langword="null"/>.</summary>
    /// <param name="length">The number of bytes, or <see langword="null"/> for a stream that never ends.</param>
    /// <param name="fill">Whether a read writes the pattern bytes; <see langword="false"/> leaves the buffer as it is.</param>
    public GeneratingStream(long? length, bool fill = true)
    {
        _length = length;
        _fill = fill;
    }

    /// <summary>Returns a stream that never ends and writes nothing: every read returns the buffer's length at once.</summary>
    public static GeneratingStream Endless() => new(length: null, fill: false);

    /// <summary>The byte at <paramref name="index"/> of every generated body.</summary>
    public static byte PatternByte(long index) => (byte)((index * 31 + 7) % Period);

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var size = _length is { } length ? (int)Math.Min(buffer.Length, length - _position) : buffer.Length;
        if (_fill)
        {
            for (var written = 0; written < size;)
            {
                var chunk = Math.Min(size - written, MaxCopy);
                s_pattern.AsSpan((int)((_position + written) % Period), chunk).CopyTo(buffer[written..]);
                written += chunk;
            }
        }

        _position += size;
        return size;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(Read(buffer.AsSpan(offset, count)));

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        new(Read(buffer.Span));

    private static byte[] CreatePattern()
    {
        var pattern = new byte[MaxCopy + Period];
        for (var i = 0; i < pattern.Length; i++)
        {
            pattern[i] = PatternByte(i);
        }

        return pattern;
    }
}
