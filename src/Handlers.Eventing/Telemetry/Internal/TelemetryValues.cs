using System.Globalization;
using System.Net;

namespace Handlers.Eventing.Internal;

/// <summary>
/// The values of the conventions' attributes, computed the way the runtime's own <c>System.Net.Http</c> activity and
/// metrics compute them, so that the call's activity and its attempts' activities group together.
/// </summary>
internal static class TelemetryValues
{
    /// <summary>The <c>http.request.method</c> value of a method the conventions do not know.</summary>
    public const string OtherMethod = "_OTHER";

    private static readonly object?[] s_boxedInts = new object?[1024];
    private static readonly string?[] s_statusStrings = new string?[1000];

    /// <summary>
    /// Returns the conventions' name of <paramref name="method"/> (the eight methods of RFC 9110 and PATCH, upper case) or
    /// <see cref="OtherMethod"/>; <paramref name="known"/> tells which, so the original goes to <c>http.request.method_original</c>.
    /// </summary>
    public static string Method(HttpMethod method, out bool known)
    {
        var name = method.Method;
        var canonical = name.Length switch
        {
            3 => Match(name, "GET") ?? Match(name, "PUT"),
            4 => Match(name, "POST") ?? Match(name, "HEAD"),
            5 => Match(name, "PATCH") ?? Match(name, "TRACE"),
            6 => Match(name, "DELETE"),
            7 => Match(name, "OPTIONS") ?? Match(name, "CONNECT"),
            _ => null,
        };
        known = canonical is not null;
        return canonical ?? OtherMethod;

        static string? Match(string name, string canonical) =>
            string.Equals(name, canonical, StringComparison.OrdinalIgnoreCase) ? canonical : null;
    }

    /// <summary>
    /// Returns the name of the call's span: <c>{method} call</c> (<c>GET call</c>), so that a trace list tells the call from the
    /// runtime's per-attempt span (<c>GET</c>); <c>HTTP call</c> for a method the conventions do not know. Constant strings: no
    /// allocation per call.
    /// </summary>
    /// <param name="method">A value <see cref="Method"/> returned.</param>
    public static string SpanName(string method) => method switch
    {
        "GET" => "GET call",
        "PUT" => "PUT call",
        "POST" => "POST call",
        "HEAD" => "HEAD call",
        "PATCH" => "PATCH call",
        "TRACE" => "TRACE call",
        "DELETE" => "DELETE call",
        "OPTIONS" => "OPTIONS call",
        "CONNECT" => "CONNECT call",
        _ => "HTTP call",
    };

    /// <summary>
    /// Returns the <c>network.protocol.version</c> of <paramref name="version"/> as the runtime's own metrics write it
    /// (<c>1.1</c>, <c>2</c>, <c>3</c>); constant strings for the versions HTTP has.
    /// </summary>
    public static string ProtocolVersion(Version version) => (version.Major, version.Minor) switch
    {
        (1, 0) => "1.0",
        (1, 1) => "1.1",
        (2, 0) => "2",
        (3, 0) => "3",
        _ => version.ToString(),
    };

    /// <summary>
    /// Returns the <c>error.type</c> of a call that ended with <paramref name="error"/>, or <see langword="null"/> on success.
    /// </summary>
    /// <remarks>
    /// A call that failed because of its status (the call's own <see cref="HttpRequestException"/> carrying the returned
    /// status) reports the status code as a string, as the conventions ask. A transport failure reports the runtime's
    /// <see cref="HttpRequestError"/> value in snake case (<c>connection_error</c>, <c>response_ended</c>, ...), as the
    /// runtime's own activity and metrics do, also when it failed the body (<see cref="HttpIOException"/>). Anything else, cancellation, timeout and <see cref="HttpCall.Abort"/>
    /// included, reports the exception's full type name (<c>System.Threading.Tasks.TaskCanceledException</c>,
    /// <c>System.OperationCanceledException</c>, <c>Handlers.Eventing.HttpCallAbandonedException</c>, ...).
    /// </remarks>
    public static string? ErrorType(Exception? error, HttpStatusCode? returnedStatus)
    {
        if (error is null)
        {
            return null;
        }

        if (error is HttpRequestException { StatusCode: { } status, HttpRequestError: HttpRequestError.Unknown, InnerException: null } &&
            status == returnedStatus)
        {
            return StatusString((int)status);
        }

        var category = Category(error);
        if (category == HttpRequestError.Unknown && error is HttpRequestException { InnerException: { } inner })
        {
            category = Category(inner); // HttpContent.CopyToAsync and buffering wrap the body's failure
        }

        return category switch
        {
            HttpRequestError.NameResolutionError => "name_resolution_error",
            HttpRequestError.ConnectionError => "connection_error",
            HttpRequestError.SecureConnectionError => "secure_connection_error",
            HttpRequestError.HttpProtocolError => "http_protocol_error",
            HttpRequestError.ExtendedConnectNotSupported => "extended_connect_not_supported",
            HttpRequestError.VersionNegotiationError => "version_negotiation_error",
            HttpRequestError.UserAuthenticationError => "user_authentication_error",
            HttpRequestError.ProxyTunnelError => "proxy_tunnel_error",
            HttpRequestError.InvalidResponse => "invalid_response",
            HttpRequestError.ResponseEnded => "response_ended",
            HttpRequestError.ConfigurationLimitExceeded => "configuration_limit_exceeded",
            _ => error.GetType().FullName ?? error.GetType().Name,
        };
    }

    private static HttpRequestError Category(Exception error) => error switch
    {
        HttpRequestException request => request.HttpRequestError,
        HttpIOException io => io.HttpRequestError, // a body that failed mid-way: the runtime's activity had ended by then
        _ => HttpRequestError.Unknown,
    };

    /// <summary>Returns <paramref name="value"/> boxed, from a cache for the small values status codes and most ports take.</summary>
    public static object Box(int value)
    {
        if ((uint)value >= (uint)s_boxedInts.Length)
        {
            return value;
        }

        return Volatile.Read(ref s_boxedInts[value]) ?? (s_boxedInts[value] = value);
    }

    private static string StatusString(int status)
    {
        if ((uint)status >= (uint)s_statusStrings.Length)
        {
            return status.ToString(CultureInfo.InvariantCulture);
        }

        return Volatile.Read(ref s_statusStrings[status]) ?? (s_statusStrings[status] = status.ToString(CultureInfo.InvariantCulture));
    }
}
