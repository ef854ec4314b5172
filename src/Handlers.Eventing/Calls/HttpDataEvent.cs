namespace Handlers.Eventing;

/// <summary>The argument of <see cref="HttpEvents.HttpData"/>: one chunk of the response body.</summary>
/// <param name="Chunk">The bytes, valid only inside the listener (the buffer is the reader's and is reused): copy them to keep them.</param>
/// <param name="Call">The call.</param>
/// <param name="Attempt">The attempt number, from 1.</param>
public readonly record struct HttpDataEvent(ReadOnlyMemory<byte> Chunk, HttpCall Call, int Attempt);
