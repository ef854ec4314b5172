using System.Net;

namespace Handlers.Eventing;

/// <summary>The argument of <see cref="HttpEvents.HttpHeaders"/>: an attempt's response headers arrived.</summary>
/// <param name="StatusCode">The response status code.</param>
/// <param name="Response">The attempt's response message; its content is observed and must be read through it.</param>
/// <param name="Call">The call the attempt belongs to.</param>
/// <param name="Attempt">The attempt number, from 1.</param>
public sealed record HttpHeadersEvent(HttpStatusCode StatusCode, HttpResponseMessage Response, HttpCall Call, int Attempt);
