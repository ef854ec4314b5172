namespace Handlers.Eventing;

/// <summary>The argument of <see cref="HttpEvents.HttpData"/>: one chunk of the response body.</summary>
public readonly struct HttpDataEvent
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="chunk">The bytes of the chunk.</param>
    /// <param name="call">The call.</param>
    /// <param name="attempt">The attempt number, from 1.</param>
    public HttpDataEvent(ReadOnlyMemory<byte> chunk, HttpCall call, int attempt)
    {
        Chunk = chunk;
        Call = call;
        Attempt = attempt;
    }

    /// <summary>Gets the bytes, valid only inside the listener (the buffer is the reader's and is reused): copy them to keep them.</summary>
    public ReadOnlyMemory<byte> Chunk { get; }

    /// <summary>Gets the call.</summary>
    public HttpCall Call { get; }

    /// <summary>Gets the attempt number, from 1.</summary>
    public int Attempt { get; }
}
