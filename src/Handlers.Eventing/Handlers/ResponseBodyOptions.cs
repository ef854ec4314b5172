namespace Handlers.Eventing;

/// <summary>
/// The options that act on a response body instead of only observing it (<see cref="EventingOptions.ResponseBody"/>). Each is
/// off by default; with all of them off, the caller gets exactly what <see cref="HttpClient"/> would give without the handler.
/// </summary>
public sealed class ResponseBodyOptions
{
    private TimeSpan _idleTimeout = Timeout.InfiniteTimeSpan;

    /// <summary>
    /// Gets or sets how long a pending read of a response body may wait without receiving a byte before it fails with
    /// <see cref="HttpBodyIdleTimeoutException"/>.
    /// </summary>
    /// <value>The default is <see cref="Timeout.InfiniteTimeSpan"/>: a read waits as long as the transport lets it.</value>
    /// <remarks>
    /// <para>
    /// With <see cref="HttpCompletionOption.ResponseHeadersRead"/>, <see cref="HttpClient.Timeout"/> (and the timeouts of a
    /// resilience handler) end at the response headers: a server that stops sending in the middle of the body leaves the
    /// reader waiting forever. Set this for a client that downloads, and override it per call with
    /// <see cref="HttpCall.BodyIdleTimeout"/> for a stream that may idle (server-sent events, long polls).
    /// </para>
    /// <para>
    /// The clock runs only while the caller waits for a read (a slow consumer is not a stall) and restarts with every byte,
    /// on every read path: stream reads, copies and <see cref="HttpClient"/>'s buffering. A stall is a transport failure of
    /// the attempt: <see cref="HttpEvents.HttpError"/>, then the call's <see cref="HttpEvents.Error"/> with the same exception.
    /// </para>
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException">The value is zero, or negative and not <see cref="Timeout.InfiniteTimeSpan"/>.</exception>
    public TimeSpan IdleTimeout
    {
        get => _idleTimeout;
        set
        {
            ValidateIdleTimeout(value, nameof(value));
            _idleTimeout = value;
        }
    }

    internal static void ValidateIdleTimeout(TimeSpan value, string paramName)
    {
        if (value != Timeout.InfiniteTimeSpan && (value <= TimeSpan.Zero || value.TotalMilliseconds > int.MaxValue))
        {
            throw new ArgumentOutOfRangeException(
                paramName,
                value,
                "The idle timeout must be positive (and at most Int32.MaxValue milliseconds), or Timeout.InfiniteTimeSpan to turn it off.");
        }
    }

    internal ResponseBodyOptions Clone() => (ResponseBodyOptions)MemberwiseClone();
}
