namespace Handlers.Eventing.Internal;

/// <summary>
/// The attribute, event and instrument names the library reports: OpenTelemetry's HTTP semantic conventions where they
/// define one, <c>handlers.eventing.*</c> for the rest.
/// </summary>
internal static class TelemetryNames
{
    // Semantic conventions (http spans and metrics).
    public const string RequestMethod = "http.request.method";
    public const string RequestMethodOriginal = "http.request.method_original";
    public const string ServerAddress = "server.address";
    public const string ServerPort = "server.port";
    public const string UrlFull = "url.full";
    public const string UrlScheme = "url.scheme";
    public const string ResponseStatusCode = "http.response.status_code";
    public const string ResendCount = "http.request.resend_count";
    public const string ErrorType = "error.type";
    public const string RequestBodySize = "http.request.body.size";
    public const string ResponseBodySize = "http.response.body.size";
    public const string ProtocolVersion = "network.protocol.version";

    // The library's own attributes.
    public const string Attempt = "handlers.eventing.attempt";
    public const string AttemptKind = "handlers.eventing.attempt.kind";
    public const string RetryDelay = "handlers.eventing.retry.delay";
    public const string TimingPrefix = "handlers.eventing.timing.";
    public const string ConnectionId = "handlers.eventing.connection.id";
    public const string ConnectionReused = "handlers.eventing.connection.reused";

    // Activity events.
    public const string RetryEvent = "handlers.eventing.retry";
    public const string HeadersEvent = "handlers.eventing.headers";
    public const string BodyEndEvent = "handlers.eventing.body.end";

    // Instruments.
    public const string RequestBodySizeInstrument = "http.client.request.body.size";
    public const string ResponseBodySizeInstrument = "http.client.response.body.size";
    public const string CallDurationInstrument = "handlers.eventing.call.duration";

    /// <summary>
    /// The activity's operation name; its display name, the span's name in OpenTelemetry, is <c>{method} call</c>
    /// (<see cref="TelemetryValues.SpanName"/>), so that it reads apart from the runtime's per-attempt <c>{method}</c> spans.
    /// </summary>
    public const string ActivityName = "Handlers.Eventing.HttpCall";
}
