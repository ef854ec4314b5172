using System.Globalization;

namespace Handlers.Eventing;

/// <summary>
/// The error of a response body that received no byte for its idle timeout while the caller waited for a read
/// (<see cref="ResponseBodyOptions.IdleTimeout"/>, <see cref="HttpCall.BodyIdleTimeout"/>).
/// </summary>
/// <remarks>
/// A stall is a transport failure, like every body failure an <see cref="IOException"/>: the attempt raises
/// <see cref="HttpEvents.HttpError"/> with it and the call ends in <see cref="HttpEvents.Error"/> with the same object. A read of
/// the response stream throws it; <see cref="HttpContent"/>'s own copy and buffering (and so <see cref="HttpClient"/>'s helpers)
/// wrap it in an <see cref="HttpRequestException"/>, as they wrap every <see cref="IOException"/>.
/// </remarks>
public sealed class HttpBodyIdleTimeoutException : HttpIOException
{
    /// <summary>Initializes a new instance for a body that stalled.</summary>
    /// <param name="idleTimeout">How long the read waited without a byte.</param>
    /// <param name="bytesReceived">The bytes of the body delivered to the caller before it stalled.</param>
    /// <param name="innerException">The cancellation of the transport's read that the timeout caused, if any.</param>
    public HttpBodyIdleTimeoutException(TimeSpan idleTimeout, long bytesReceived, Exception? innerException = null)
        : base(HttpRequestError.Unknown, FormatMessage(idleTimeout, bytesReceived), innerException)
    {
        IdleTimeout = idleTimeout;
        BytesReceived = bytesReceived;
    }

    /// <summary>Gets how long the read waited without receiving a byte.</summary>
    public TimeSpan IdleTimeout { get; }

    /// <summary>Gets the bytes of the body (decoded, when the library decoded it) delivered to the caller before it stalled.</summary>
    public long BytesReceived { get; }

    /// <inheritdoc/>
    /// <remarks>The message says what happened and how to change it, without the <c>(Unknown)</c> error category <see cref="HttpIOException"/> appends.</remarks>
    public override string Message => FormatMessage(IdleTimeout, BytesReceived);

    private static string FormatMessage(TimeSpan idleTimeout, long bytesReceived) => string.Create(
        CultureInfo.InvariantCulture,
        $"The response body received no byte for {idleTimeout.TotalSeconds:0.###} s after {bytesReceived} bytes, and was abandoned. Raise ResponseBodyOptions.IdleTimeout (or HttpCall.BodyIdleTimeout for this call) if the server may pause that long.");
}
