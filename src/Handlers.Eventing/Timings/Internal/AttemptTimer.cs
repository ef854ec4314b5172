using System.Diagnostics;

namespace Handlers.Eventing.Internal;

/// <summary>
/// Collects one attempt's phase timings (<see cref="HttpTimings"/>) from the runtime's networking EventSources, correlated
/// with the attempt through an <see cref="AsyncLocal{T}"/> that flows from the attempt's send into the transport.
/// </summary>
/// <remarks>
/// <para>
/// The attempt-level handler calls <see cref="Start"/> on its own flow just before it sends the attempt,
/// <see cref="OnHeaders"/> when the response headers arrive, and <see cref="OnEnd"/> exactly once, at the end of the body or
/// at the failure. <see cref="Snapshot"/> may be called at any time after that from any thread. On the synchronous
/// <c>Send</c> path the handler calls <see cref="RestoreFlow"/> in a <c>finally</c>: nothing else undoes the
/// <see cref="AsyncLocal{T}"/> there (an <see langword="async"/> method restores it by itself when it returns).
/// </para>
/// <para>
/// The runtime reports connection setup (DNS, connect, TLS) on a flow of its own that inherits the execution context of the
/// request that made the pool open the connection. Those events are recorded into a <see cref="ConnectionSetup"/> of that
/// flow, which becomes the connection's at <c>ConnectionEstablished</c>, and is credited to the first attempt that sends a
/// request on the connection (<c>RequestHeadersStart(connectionId)</c>), clipped to that attempt's own time.
/// See docs/timings.md for every phase's start and end.
/// </para>
/// </remarks>
internal sealed partial class AttemptTimer
{
    private readonly AttemptTimer? _previous;
    private readonly long _start;
    private ConnectionSetup? _ownSetup;
    private ConnectionSetup? _credited;
    private TrackedConnection? _connection;
    private bool? _reused;
    private Version? _queueVersion;
    private long _acquired;
    private long _headersWritten;
    private long _contentStarted;
    private long _contentWritten;
    private long _headers;
    private long _end;

    private AttemptTimer(AttemptTimer? previous)
    {
        _previous = previous;
        _start = Stopwatch.GetTimestamp();
    }

    /// <summary>Gets the timestamp at which the attempt started (tests).</summary>
    internal long StartTimestamp => _start;

    /// <summary>Gets the timestamp at which the headers arrived, 0 before (tests).</summary>
    internal long HeadersTimestamp => Volatile.Read(ref _headers);

    /// <summary>Records that the response headers arrived (the end of <see cref="HttpTimings.FirstByte"/>).</summary>
    public void OnHeaders()
    {
        var now = Stopwatch.GetTimestamp();
        lock (this)
        {
            if (_end == 0 && _headers == 0)
            {
                _headers = now;
            }
        }
    }

    /// <summary>Records the end of the attempt: its last body byte, or its failure. Only the first call counts.</summary>
    public void OnEnd()
    {
        var now = Stopwatch.GetTimestamp();
        lock (this)
        {
            if (_end != 0)
            {
                return;
            }

            _end = now;
        }

        TimingsListenerHost.Release();
    }

    /// <summary>Returns the phases known now: <see cref="HttpTimings.Download"/> and <see cref="HttpTimings.Total"/> stay null until <see cref="OnEnd"/>.</summary>
    /// <returns>A new, immutable <see cref="HttpTimings"/>.</returns>
    public HttpTimings Snapshot()
    {
        lock (this)
        {
            var acquired = _acquired != 0;

            // Before a connection was handed to the attempt it either failed (then its own connection attempt, if it made
            // one, is what it spent its time on) or got its response without the pool (a transport that raises no events).
            var failedBeforeConnection = !acquired && _end != 0 && _headers == 0;
            var setup = acquired ? _credited : (failedBeforeConnection && _ownSetup is { IsClosed: false } own ? own : null);

            // The setup phases are clipped to the attempt's wait: from its start to the connection handed to it (or its failure).
            var windowEnd = acquired ? _acquired : failedBeforeConnection ? _end : 0;
            TimeSpan? dns = null, connect = null, tls = null;
            long setupStart = 0;
            if (setup is not null)
            {
                var open = acquired ? 0 : windowEnd; // a step still running at the failure runs to the failure
                dns = Clip(setup.DnsStart, End(setup.DnsStart, setup.DnsEnd, open), windowEnd);
                var connectFrom = setup.DnsEnd != 0 ? setup.DnsEnd : setup.ConnectStart;
                connect = setup.ConnectStart == 0 ? null : Clip(connectFrom, End(connectFrom, setup.ConnectEnd, open), windowEnd);
                var tlsFrom = setup.ConnectEnd != 0 ? setup.ConnectEnd : setup.TlsStart;
                tls = setup.TlsStart == 0 ? null : Clip(tlsFrom, End(tlsFrom, setup.TlsEnd, open), windowEnd);
                setupStart = setup.DnsStart != 0 ? setup.DnsStart : setup.ConnectStart != 0 ? setup.ConnectStart : setup.TlsStart;
            }

            TimeSpan? queued = null;
            if (acquired)
            {
                // Everything before the connection was handed over that is not the credited setup.
                var waited = Stopwatch.GetElapsedTime(_start, windowEnd) - (dns ?? TimeSpan.Zero) - (connect ?? TimeSpan.Zero) - (tls ?? TimeSpan.Zero);
                queued = waited < TimeSpan.Zero ? TimeSpan.Zero : waited;
            }
            else if (failedBeforeConnection)
            {
                // Up to its own connection attempt, or, without one, the whole wait (a busy pool until the failure).
                queued = setupStart != 0 ? Elapsed(_start, Math.Min(Math.Max(setupStart, _start), _end)) : Elapsed(_start, _end);
            }

            TimeSpan? request = null, firstByte = null;
            if (acquired)
            {
                var written = _contentStarted != 0 ? _contentWritten : _headersWritten;
                var limit = _headers != 0 ? _headers : _end;
                if (written != 0)
                {
                    if (limit != 0 && written > limit)
                    {
                        written = limit;
                    }

                    request = Elapsed(_acquired, written);
                    firstByte = _headers != 0 ? Elapsed(written, _headers) : null;
                }
                else if (_headers != 0)
                {
                    // The runtime reported no end of the request before the headers (a body still being sent): the request
                    // phase runs to the headers and there is no first-byte phase.
                    request = Elapsed(_acquired, _headers);
                }
            }

            TimeSpan? download = _headers != 0 && _end != 0 ? Elapsed(_headers, _end) : null;
            TimeSpan? total = _end != 0 ? Elapsed(_start, _end) : null;
            var version = _connection?.HttpVersion ?? (acquired ? _queueVersion : null);
            return new HttpTimings(queued, dns, connect, tls, request, firstByte, download, total, _connection?.Id, _reused, version);
        }
    }

    /// <summary>Records a setup event raised on a flow of this attempt (the attempt made the pool open a connection).</summary>
    internal void OnSetupStep(SetupStep step, long timestamp)
    {
        lock (this)
        {
            var setup = _ownSetup;
            var startsNew = setup is null || setup.IsClosed || step switch
            {
                SetupStep.DnsStart => setup.StartsNewSetupOnResolution,
                SetupStep.ConnectStart => setup.StartsNewSetupOnConnect,
                SetupStep.TlsStart => setup.StartsNewSetupOnHandshake,
                _ => false,
            };
            if (startsNew)
            {
                if (step is not (SetupStep.DnsStart or SetupStep.ConnectStart or SetupStep.TlsStart))
                {
                    return;
                }

                setup = new ConnectionSetup();
                _ownSetup = setup;
            }

            Apply(setup!, step, timestamp);
        }
    }

    /// <summary>Closes the setup running on this attempt's flow: it became connection <c>ConnectionEstablished</c> reported.</summary>
    /// <returns>The setup, which now belongs to the connection.</returns>
    internal ConnectionSetup OnConnectionEstablished(long timestamp)
    {
        lock (this)
        {
            var setup = _ownSetup is { IsClosed: false } open ? open : new ConnectionSetup();
            setup.Established = timestamp;
            _ownSetup = setup;
            return setup;
        }
    }

    /// <summary>Records that the runtime handed this attempt a connection (<c>RequestHeadersStart(connectionId)</c>).</summary>
    /// <param name="connection">The connection.</param>
    /// <param name="first">Whether this is the first request on it; then its setup is credited to this attempt.</param>
    /// <param name="timestamp">When the event was raised.</param>
    internal void OnConnectionAcquired(TrackedConnection connection, bool first, long timestamp)
    {
        lock (this)
        {
            if (_end != 0)
            {
                return;
            }

            // A later acquisition (the runtime retried the request on another connection) replaces the earlier one: the
            // earlier try counts as time waiting for a connection.
            _acquired = timestamp;
            _headersWritten = 0;
            _contentStarted = 0;
            _contentWritten = 0;
            _connection = connection;
            _reused = connection.EstablishmentSeen ? !first : null;
            _credited = first ? connection.Setup : null;
        }
    }

    /// <summary>Records <c>RequestLeftQueue</c>: the HTTP version the pool served this attempt with.</summary>
    internal void OnLeftQueue(Version version)
    {
        lock (this)
        {
            if (_end == 0)
            {
                _queueVersion = version;
            }
        }
    }

    /// <summary>Records <c>RequestHeadersStop</c>.</summary>
    internal void OnRequestHeadersWritten(long timestamp) => SetRequestMark(ref _headersWritten, timestamp);

    /// <summary>Records <c>RequestContentStart</c>.</summary>
    internal void OnRequestContentStarted(long timestamp) => SetRequestMark(ref _contentStarted, timestamp);

    /// <summary>Records <c>RequestContentStop</c>.</summary>
    internal void OnRequestContentWritten(long timestamp) => SetRequestMark(ref _contentWritten, timestamp);

    private void SetRequestMark(ref long mark, long timestamp)
    {
        lock (this)
        {
            if (_end == 0 && _headers == 0 && _acquired != 0 && mark == 0)
            {
                mark = timestamp;
            }
        }
    }

    private static void Apply(ConnectionSetup setup, SetupStep step, long timestamp)
    {
        switch (step)
        {
            case SetupStep.DnsStart:
                setup.DnsStart = timestamp;
                break;
            case SetupStep.DnsStop:
            case SetupStep.DnsFailed:
                if (setup.DnsStart != 0)
                {
                    setup.DnsEnd = timestamp;
                }

                break;
            case SetupStep.ConnectStart:
                if (setup.ConnectStart == 0)
                {
                    setup.ConnectStart = timestamp;
                }

                // Another address of the same name: the connect phase runs on.
                setup.ConnectEnd = 0;
                break;
            case SetupStep.ConnectStop:
            case SetupStep.ConnectFailed:
                if (setup.ConnectStart != 0)
                {
                    setup.ConnectEnd = timestamp;
                }

                break;
            case SetupStep.TlsStart:
                setup.TlsStart = timestamp;
                break;
            case SetupStep.TlsStop:
            case SetupStep.TlsFailed:
                if (setup.TlsStart != 0 && (setup.TlsEnd == 0 || step == SetupStep.TlsStop))
                {
                    setup.TlsEnd = timestamp;
                }

                break;
            default:
                break;
        }
    }

    private static long End(long from, long to, long open) => from == 0 ? 0 : to != 0 ? to : open;

    private TimeSpan? Clip(long from, long to, long windowEnd)
    {
        if (from == 0 || to == 0 || to <= _start || from >= windowEnd)
        {
            return null; // did not happen, or not while this attempt waited
        }

        from = Math.Max(from, _start);
        to = Math.Min(to, windowEnd);
        return to > from ? Stopwatch.GetElapsedTime(from, to) : TimeSpan.Zero;
    }

    private static TimeSpan Elapsed(long from, long to) => to > from ? Stopwatch.GetElapsedTime(from, to) : TimeSpan.Zero;
}
