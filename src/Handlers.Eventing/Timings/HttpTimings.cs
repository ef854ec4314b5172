using System.Globalization;
using System.Text;

namespace Handlers.Eventing;

/// <summary>
/// Where one attempt's time went, as consecutive phases, and the connection that served it. Collected when
/// <see cref="EventingOptions.CollectTimings"/> is on; see docs/timings.md for each phase's exact start and end.
/// </summary>
/// <remarks>
/// Each phase is <see langword="null"/> when the attempt did not go through it: <see cref="Dns"/>, <see cref="Connect"/> and
/// <see cref="Tls"/> on a reused connection, <see cref="Download"/> before the body ended, everything after a failure.
/// </remarks>
public sealed class HttpTimings
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="queued">Time waiting for a connection, excluding the setup of a connection made for this attempt.</param>
    /// <param name="dns">Time resolving the host name.</param>
    /// <param name="connect">Time opening the TCP connection.</param>
    /// <param name="tls">Time of the TLS handshake.</param>
    /// <param name="request">Time writing the request (headers and body).</param>
    /// <param name="firstByte">Time from the request written to the response headers.</param>
    /// <param name="download">Time from the response headers to the last body byte.</param>
    /// <param name="total">Time from the attempt's start to the end of its body or its failure.</param>
    /// <param name="connectionId">The connection's identifier, stable across attempts and calls on the same connection.</param>
    /// <param name="connectionReused">Whether the connection served an earlier request.</param>
    /// <param name="httpVersion">The HTTP version of the connection.</param>
    public HttpTimings(
        TimeSpan? queued,
        TimeSpan? dns,
        TimeSpan? connect,
        TimeSpan? tls,
        TimeSpan? request,
        TimeSpan? firstByte,
        TimeSpan? download,
        TimeSpan? total,
        long? connectionId,
        bool? connectionReused,
        Version? httpVersion)
    {
        Queued = queued;
        Dns = dns;
        Connect = connect;
        Tls = tls;
        Request = request;
        FirstByte = firstByte;
        Download = download;
        Total = total;
        ConnectionId = connectionId;
        ConnectionReused = connectionReused;
        HttpVersion = httpVersion;
    }

    /// <summary>Gets the time spent waiting for a connection, excluding the setup of a connection made for this attempt.</summary>
    public TimeSpan? Queued { get; }

    /// <summary>Gets the time spent resolving the host name; <see langword="null"/> on a reused connection or an IP literal.</summary>
    public TimeSpan? Dns { get; }

    /// <summary>Gets the time spent opening the TCP connection; <see langword="null"/> on a reused connection.</summary>
    public TimeSpan? Connect { get; }

    /// <summary>Gets the time of the TLS handshake; <see langword="null"/> on a reused connection or without TLS.</summary>
    public TimeSpan? Tls { get; }

    /// <summary>Gets the time spent writing the request, headers and body.</summary>
    public TimeSpan? Request { get; }

    /// <summary>Gets the time from the request written to the response headers (time to first byte).</summary>
    public TimeSpan? FirstByte { get; }

    /// <summary>Gets the time from the response headers to the last body byte; <see langword="null"/> until the body ended.</summary>
    public TimeSpan? Download { get; }

    /// <summary>Gets the time from the attempt's start to the end of its body or its failure; <see langword="null"/> while it runs.</summary>
    public TimeSpan? Total { get; }

    /// <summary>Gets the identifier of the connection that served the attempt, stable across attempts and calls on it.</summary>
    public long? ConnectionId { get; }

    /// <summary>Gets a value indicating whether the connection served an earlier request.</summary>
    public bool? ConnectionReused { get; }

    /// <summary>Gets the HTTP version of the connection that served the attempt.</summary>
    public Version? HttpVersion { get; }

    /// <summary>Returns the phases as <c>queued 0.1ms, dns -, connect 0.4ms, ...</c>.</summary>
    /// <returns>A description for logs and the debugger.</returns>
    public override string ToString()
    {
        var builder = new StringBuilder();
        Append(builder, "queued", Queued);
        Append(builder, "dns", Dns);
        Append(builder, "connect", Connect);
        Append(builder, "tls", Tls);
        Append(builder, "request", Request);
        Append(builder, "firstByte", FirstByte);
        Append(builder, "download", Download);
        Append(builder, "total", Total);
        builder.Append(CultureInfo.InvariantCulture, $", connection {(ConnectionId is { } id ? id.ToString(CultureInfo.InvariantCulture) : "-")}");
        if (ConnectionReused is { } reused)
        {
            builder.Append(reused ? " (reused)" : " (new)");
        }

        if (HttpVersion is { } version)
        {
            builder.Append(CultureInfo.InvariantCulture, $", HTTP/{version}");
        }

        return builder.ToString();
    }

    private static void Append(StringBuilder builder, string name, TimeSpan? value)
    {
        if (builder.Length > 0)
        {
            builder.Append(", ");
        }

        builder.Append(name).Append(' ');
        if (value is { } known)
        {
            builder.Append(CultureInfo.InvariantCulture, $"{known.TotalMilliseconds:0.0}ms");
        }
        else
        {
            builder.Append('-');
        }
    }
}
