namespace Handlers.Eventing.Internal;

/// <summary>
/// The setup of one connection as the runtime reported it on the flow that opened it: name resolution, TCP connect and TLS
/// handshake, as <see cref="System.Diagnostics.Stopwatch"/> timestamps (0 = not seen), and then the connection it became.
/// </summary>
/// <remarks>
/// Written only by the events of its own setup flow (one at a time); read by the attempt it is credited to under
/// <see cref="TimingsEventListener"/>'s connection lock or the timer's lock. See docs/timings.md, "The crediting rule".
/// </remarks>
internal sealed class ConnectionSetup
{
    /// <summary>Gets or sets when <c>ResolutionStart</c> was raised.</summary>
    public long DnsStart { get; set; }

    /// <summary>Gets or sets when <c>ResolutionStop</c> (or <c>ResolutionFailed</c>) was raised.</summary>
    public long DnsEnd { get; set; }

    /// <summary>Gets or sets when the first <c>ConnectStart</c> was raised.</summary>
    public long ConnectStart { get; set; }

    /// <summary>Gets or sets when the last <c>ConnectStop</c> (or <c>ConnectFailed</c>) was raised.</summary>
    public long ConnectEnd { get; set; }

    /// <summary>Gets or sets when the client's <c>HandshakeStart</c> was raised.</summary>
    public long TlsStart { get; set; }

    /// <summary>Gets or sets when the client's <c>HandshakeStop</c> (or <c>HandshakeFailed</c>) was raised.</summary>
    public long TlsEnd { get; set; }

    /// <summary>Gets or sets when <c>ConnectionEstablished</c> was raised; 0 while the setup runs or after it failed.</summary>
    public long Established { get; set; }

    /// <summary>Gets a value indicating whether a later event of the same flow belongs to a new setup.</summary>
    public bool IsClosed => Established != 0;

    /// <summary>Returns whether <c>ResolutionStart</c> starts a new setup rather than continuing this one.</summary>
    public bool StartsNewSetupOnResolution => DnsStart != 0 || ConnectStart != 0 || TlsStart != 0;

    /// <summary>Returns whether <c>ConnectStart</c> starts a new setup (a TLS handshake already ran in this one).</summary>
    public bool StartsNewSetupOnConnect => TlsStart != 0;

    /// <summary>Returns whether <c>HandshakeStart</c> starts a new setup (a TLS handshake already ran in this one).</summary>
    public bool StartsNewSetupOnHandshake => TlsStart != 0;
}
