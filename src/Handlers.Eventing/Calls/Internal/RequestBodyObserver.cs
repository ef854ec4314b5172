namespace Handlers.Eventing.Internal;

/// <summary>
/// Observes one attempt's request body as the transport pulls it through <see cref="ObservedRequestContent"/>: counts the
/// bytes handed to the transport and reports them to the attempt, which raises <see cref="HttpEvents.HttpUploadProgress"/>.
/// The request-side twin of <see cref="ResponseBodyObserver"/>.
/// </summary>
internal sealed class RequestBodyObserver
{
    /// <summary>Slice size for large writes, so that one big in-memory body still reports as it goes.</summary>
    internal const int SliceSize = 64 * 1024;

    private readonly CallAttempt _attempt;
    private long _loaded;
    private bool _reported;

    public RequestBodyObserver(CallAttempt attempt, long? total)
    {
        _attempt = attempt;
        Total = total;
    }

    public long? Total { get; }

    /// <summary>Starts a serialization: a redirect or an expect-100 retry re-sends the body, and progress restarts.</summary>
    public void Restart()
    {
        _loaded = 0;
        _reported = false;
    }

    /// <summary>Counts bytes the transport accepted and reports them; throws a listener's exception.</summary>
    public void OnWritten(int count)
    {
        _loaded += count;
        _reported = true;
        _attempt.OnBytesSent(_loaded, Total);
    }

    /// <summary>Ends a serialization: an empty body still reports once (0 of 0).</summary>
    public void OnSerialized()
    {
        if (!_reported)
        {
            OnWritten(0);
        }
    }
}
