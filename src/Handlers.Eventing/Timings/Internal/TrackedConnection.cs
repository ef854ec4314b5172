namespace Handlers.Eventing.Internal;

/// <summary>A connection the runtime reported while timings were collected, from <c>ConnectionEstablished</c> to <c>ConnectionClosed</c>.</summary>
internal sealed class TrackedConnection
{
    public TrackedConnection(long id, Version? httpVersion, ConnectionSetup? setup)
    {
        Id = id;
        HttpVersion = httpVersion;
        Setup = setup;
    }

    /// <summary>Gets the runtime's connection id (<c>connectionId</c> of the HTTP events).</summary>
    public long Id { get; }

    /// <summary>Gets the HTTP version of the connection, or <see langword="null"/> when its establishment was not seen.</summary>
    public Version? HttpVersion { get; }

    /// <summary>Gets how it was set up, or <see langword="null"/> when its setup flow carried no attempt (nothing to credit).</summary>
    public ConnectionSetup? Setup { get; }

    /// <summary>Gets or sets a value indicating whether a request was sent on it (every later attempt reuses it).</summary>
    /// <remarks>Read and written under <see cref="TimingsEventListener"/>'s connection lock.</remarks>
    public bool Served { get; set; }

    /// <summary>Gets a value indicating whether its establishment was seen (otherwise it predates the listener).</summary>
    public bool EstablishmentSeen => HttpVersion is not null;
}
