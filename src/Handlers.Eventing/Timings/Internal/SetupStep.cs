namespace Handlers.Eventing.Internal;

/// <summary>A connection-setup event of the runtime (System.Net.NameResolution, System.Net.Sockets, System.Net.Security).</summary>
internal enum SetupStep
{
    /// <summary><c>ResolutionStart</c>.</summary>
    DnsStart,

    /// <summary><c>ResolutionStop</c>.</summary>
    DnsStop,

    /// <summary><c>ResolutionFailed</c>.</summary>
    DnsFailed,

    /// <summary><c>ConnectStart</c>.</summary>
    ConnectStart,

    /// <summary><c>ConnectStop</c>.</summary>
    ConnectStop,

    /// <summary><c>ConnectFailed</c>.</summary>
    ConnectFailed,

    /// <summary>The client's <c>HandshakeStart</c>.</summary>
    TlsStart,

    /// <summary><c>HandshakeStop</c> after the client's <c>HandshakeStart</c>.</summary>
    TlsStop,

    /// <summary>The client's <c>HandshakeFailed</c>.</summary>
    TlsFailed,
}
