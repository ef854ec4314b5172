using System.Net;

namespace Handlers.Eventing.Internal;

/// <summary>What an attempt reports when it ends (its response body closed, or its send failed), for per-attempt measurements.</summary>
/// <param name="Attempt">The attempt's number, from 1.</param>
/// <param name="StatusCode">Its response status, or <see langword="null"/> when its send failed.</param>
/// <param name="RequestBodyBytes">
/// Its request body bytes: those handed to the transport when upload progress counted them, else the declared length;
/// <see langword="null"/> for a request without content, or of unknown length.
/// </param>
/// <param name="ResponseBodyBytes">
/// Its response body bytes on the wire (the encoded ones when the library decoded the body), or <see langword="null"/> when
/// its send failed.
/// </param>
/// <param name="Error">Why it ended early (a failed send or read, a disposal before the end, an abort), or <see langword="null"/>.</param>
/// <param name="ProtocolVersion">The HTTP version of its response, or <see langword="null"/> when its send failed.</param>
internal readonly record struct AttemptEnd(
    int Attempt, HttpStatusCode? StatusCode, long? RequestBodyBytes, long? ResponseBodyBytes, Exception? Error, Version? ProtocolVersion = null);
