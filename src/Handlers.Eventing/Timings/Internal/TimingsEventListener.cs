using System.Diagnostics;
using System.Diagnostics.Tracing;

namespace Handlers.Eventing.Internal;

/// <summary>
/// The in-process listener of the runtime's System.Net.Http, System.Net.NameResolution, System.Net.Sockets and
/// System.Net.Security EventSources while timings are collected. It routes each event to the <see cref="AttemptTimer"/> of the
/// flow that raised it and keeps the connections it saw (id, version, setup, whether a request was sent on it).
/// </summary>
/// <remarks>
/// EventSources call <see cref="OnEventWritten"/> synchronously on the thread, and in the execution context, that raised the
/// event; that is what makes <see cref="AttemptTimer.Current"/> the right attempt. Created and disposed by
/// <see cref="TimingsListenerHost"/> only.
/// </remarks>
internal sealed class TimingsEventListener : EventListener
{
    private const string HttpSourceName = "System.Net.Http";
    private const string SocketsSourceName = "System.Net.Sockets";
    private const string NameResolutionSourceName = "System.Net.NameResolution";
    private const string SecuritySourceName = "System.Net.Security";

    // Any keyword but RequestFailedDetailed (1), whose payload is exception.ToString(): events without keywords still pass.
    private const EventKeywords HttpKeywords = (EventKeywords)0x7FFF_FFFF_FFFF_FFFE;

    private static readonly Version Http11 = new(1, 1);
    private static readonly Version Http20 = new(2, 0);
    private static readonly Version Http30 = new(3, 0);

    // Initialized before the base constructor announces the existing EventSources.
    private readonly Dictionary<long, TrackedConnection> _connections = [];
    private readonly Lock _gate = new();

    /// <summary>Gets the number of connections known now (tests).</summary>
    internal int ConnectionCount
    {
        get
        {
            lock (_gate)
            {
                return _connections.Count;
            }
        }
    }

    /// <inheritdoc />
    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        switch (eventSource.Name)
        {
            case HttpSourceName:
                EnableEvents(eventSource, EventLevel.Informational, HttpKeywords);
                break;
            case SocketsSourceName:
            case NameResolutionSourceName:
            case SecuritySourceName:
                EnableEvents(eventSource, EventLevel.Informational);
                break;
            default:
                break;
        }
    }

    /// <inheritdoc />
    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        var timestamp = Stopwatch.GetTimestamp();
        try
        {
            switch (eventData.EventSource.Name)
            {
                case HttpSourceName:
                    OnHttpEvent(eventData, timestamp);
                    break;
                case NameResolutionSourceName:
                    OnSetupEvent(eventData.EventName switch
                    {
                        "ResolutionStart" => SetupStep.DnsStart,
                        "ResolutionStop" => SetupStep.DnsStop,
                        "ResolutionFailed" => SetupStep.DnsFailed,
                        _ => null,
                    }, timestamp);
                    break;
                case SocketsSourceName:
                    OnSetupEvent(eventData.EventName switch
                    {
                        "ConnectStart" => SetupStep.ConnectStart,
                        "ConnectStop" => SetupStep.ConnectStop,
                        "ConnectFailed" => SetupStep.ConnectFailed,
                        _ => null,
                    }, timestamp);
                    break;
                case SecuritySourceName:
                    OnSetupEvent(eventData.EventName switch
                    {
                        "HandshakeStart" when !IsServer(eventData) => SetupStep.TlsStart,
                        "HandshakeStop" => SetupStep.TlsStop, // recorded only after the same flow's client HandshakeStart
                        "HandshakeFailed" when !IsServer(eventData) => SetupStep.TlsFailed,
                        _ => null,
                    }, timestamp);
                    break;
                default:
                    break;
            }
        }
#pragma warning disable CA1031 // An exception thrown here would surface from the runtime's networking code: never let it.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    private static void OnSetupEvent(SetupStep? step, long timestamp)
    {
        if (step is { } known && AttemptTimer.Current is { } timer)
        {
            timer.OnSetupStep(known, timestamp);
        }
    }

    private void OnHttpEvent(EventWrittenEventArgs eventData, long timestamp)
    {
        switch (eventData.EventName)
        {
            case "ConnectionEstablished":
                if (Read<long>(eventData, "connectionId") is { } established)
                {
                    var setup = AttemptTimer.Current?.OnConnectionEstablished(timestamp);
                    var connection = new TrackedConnection(established, ReadVersion(eventData), setup);
                    lock (_gate)
                    {
                        _connections[established] = connection;
                    }
                }

                break;
            case "ConnectionClosed":
                if (Read<long>(eventData, "connectionId") is { } closed)
                {
                    lock (_gate)
                    {
                        _connections.Remove(closed);
                    }
                }

                break;
            case "RequestHeadersStart":
                if (Read<long>(eventData, "connectionId") is { } id)
                {
                    // Every request marks its connection as served, timed or not, so that later attempts see the reuse.
                    bool first;
                    TrackedConnection? connection;
                    lock (_gate)
                    {
                        if (!_connections.TryGetValue(id, out connection))
                        {
                            // Established before the listener was enabled: neither its setup nor its history is known.
                            connection = new TrackedConnection(id, httpVersion: null, setup: null);
                            _connections[id] = connection;
                        }

                        first = !connection.Served;
                        connection.Served = true;
                    }

                    AttemptTimer.Current?.OnConnectionAcquired(connection, first, timestamp);
                }

                break;
            case "RequestLeftQueue":
                if (AttemptTimer.Current is { } queued && ReadVersion(eventData) is { } version)
                {
                    queued.OnLeftQueue(version);
                }

                break;
            case "RequestHeadersStop":
                AttemptTimer.Current?.OnRequestHeadersWritten(timestamp);
                break;
            case "RequestContentStart":
                AttemptTimer.Current?.OnRequestContentStarted(timestamp);
                break;
            case "RequestContentStop":
                AttemptTimer.Current?.OnRequestContentWritten(timestamp);
                break;
            default:
                break;
        }
    }

    private static bool IsServer(EventWrittenEventArgs eventData) => Read<bool>(eventData, "isServer") ?? true;

    private static Version? ReadVersion(EventWrittenEventArgs eventData) =>
        Read<byte>(eventData, "versionMajor") switch
        {
            1 => Http11,
            2 => Http20,
            3 => Http30,
            _ => null,
        };

    private static T? Read<T>(EventWrittenEventArgs eventData, string name)
        where T : struct
    {
        var names = eventData.PayloadNames;
        var payload = eventData.Payload;
        if (names is null || payload is null)
        {
            return null;
        }

        for (var i = 0; i < names.Count && i < payload.Count; i++)
        {
            if (string.Equals(names[i], name, StringComparison.Ordinal))
            {
                return payload[i] is T value ? value : null;
            }
        }

        return null;
    }
}
