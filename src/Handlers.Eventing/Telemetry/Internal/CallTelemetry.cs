using System.Diagnostics;

namespace Handlers.Eventing.Internal;

/// <summary>
/// Reports one call to OpenTelemetry: its <see cref="Activity"/> (started when the call starts, stopped when it ends, at the
/// last byte of the body rather than at the headers) and one measurement per instrument of <see cref="EventingDiagnostics"/>.
/// </summary>
/// <remarks>
/// Made by <see cref="Factory"/> only when a listener wants the activity or a measurement; the call invokes it serialized, so
/// it holds no lock. docs/telemetry.md describes what it emits.
/// </remarks>
internal sealed class CallTelemetry : CallObserver
{
    private readonly HttpCall _call;
    private readonly Activity? _activity;
    private readonly bool _measure;
    private readonly string _method;
    private readonly string? _serverAddress;
    private readonly object? _serverPort;
    private readonly string? _scheme;

    private CallTelemetry(HttpCall call, Activity? activity, bool measure, string method, string? serverAddress, object? serverPort, string? scheme)
    {
        _call = call;
        _activity = activity;
        _measure = measure;
        _method = method;
        _serverAddress = serverAddress;
        _serverPort = serverPort;
        _scheme = scheme;
    }

    /// <summary>Gets the factory the call uses to create its telemetry observer; a process-wide singleton.</summary>
    public static ICallObserverFactory Factory { get; } = new CallTelemetryFactory();

    /// <summary>Gets the call's activity, or <see langword="null"/> when no listener sampled it.</summary>
    internal Activity? Activity => _activity;

    /// <summary>
    /// Returns the telemetry observer of <paramref name="call"/>, which is starting now, or <see langword="null"/> without
    /// allocating when neither the activity source nor any instrument has a listener. The activity it starts becomes
    /// <see cref="Activity.Current"/> on the caller's flow, so the attempts' client activities are its children.
    /// </summary>
    internal static CallTelemetry? Start(HttpCall call)
    {
        var source = EventingDiagnostics.ActivitySource;
        var measure = EventingDiagnostics.AnyInstrumentEnabled;
        if (!measure && !source.HasListeners())
        {
            return null;
        }

        var request = call.Request;
        var method = TelemetryValues.Method(request.Method, out var knownMethod);
        string? serverAddress = null;
        object? serverPort = null;
        string? scheme = null;
        if (request.RequestUri is { IsAbsoluteUri: true } uri)
        {
            serverAddress = uri.IdnHost;
            serverPort = TelemetryValues.Box(uri.Port);
            scheme = uri.Scheme;
        }

        Activity? activity = null;
        if (source.HasListeners())
        {
            // The attributes the conventions want known when the span is created, so that samplers can use them.
            KeyValuePair<string, object?>[] tags = serverAddress is null
                ? [new(TelemetryNames.RequestMethod, method)]
                :
                [
                    new(TelemetryNames.RequestMethod, method),
                    new(TelemetryNames.ServerAddress, serverAddress),
                    new(TelemetryNames.ServerPort, serverPort),
                    new(TelemetryNames.UrlFull, call.RedactUri(request.RequestUri)),
                ];
            activity = source.StartActivity(TelemetryNames.ActivityName, ActivityKind.Internal, parentContext: default, tags);
        }

        if (activity is null && !measure)
        {
            return null;
        }

        if (activity is { IsAllDataRequested: true })
        {
            activity.DisplayName = TelemetryValues.SpanName(method);
            if (!knownMethod)
            {
                activity.SetTag(TelemetryNames.RequestMethodOriginal, request.Method.Method);
            }
        }

        var telemetry = new CallTelemetry(call, activity, measure, method, serverAddress, serverPort, scheme);
        return telemetry;
    }

    /// <inheritdoc/>
    public override void OnRetry(HttpRetryEvent retry)
    {
        if (_activity is not { IsAllDataRequested: true } activity)
        {
            return;
        }

        var tags = new ActivityTagsCollection
        {
            { TelemetryNames.Attempt, TelemetryValues.Box(retry.Attempt) },
            { TelemetryNames.AttemptKind, retry.Kind switch { HttpAttemptKind.Hedge => "hedge", HttpAttemptKind.Resume => "resume", _ => "retry" } },
        };
        if (retry.Delay is { } delay)
        {
            tags.Add(TelemetryNames.RetryDelay, delay.TotalSeconds);
        }

        if (retry.PreviousStatusCode is { } status)
        {
            tags.Add(TelemetryNames.ResponseStatusCode, TelemetryValues.Box((int)status));
        }

        if (retry.PreviousError is { } error)
        {
            tags.Add(TelemetryNames.ErrorType, TelemetryValues.ErrorType(error, returnedStatus: null));
        }

        activity.AddEvent(new ActivityEvent(TelemetryNames.RetryEvent, tags: tags));
    }

    /// <inheritdoc/>
    public override void OnHeaders(HttpHeadersEvent headers)
    {
        if (_activity is not { IsAllDataRequested: true } activity)
        {
            return;
        }

        activity.AddEvent(new ActivityEvent(TelemetryNames.HeadersEvent, tags: new ActivityTagsCollection
        {
            { TelemetryNames.Attempt, TelemetryValues.Box(headers.Attempt) },
            { TelemetryNames.ResponseStatusCode, TelemetryValues.Box((int)headers.StatusCode) },
        }));
    }

    /// <inheritdoc/>
    public override void OnBodyEnded(HttpCallResponse response, int attempt)
    {
        if (_activity is not { IsAllDataRequested: true } activity)
        {
            return;
        }

        activity.AddEvent(new ActivityEvent(TelemetryNames.BodyEndEvent, tags: new ActivityTagsCollection
        {
            { TelemetryNames.Attempt, TelemetryValues.Box(attempt) },
            { TelemetryNames.ResponseBodySize, response.BytesReceived },
        }));
    }

    /// <inheritdoc/>
    /// <remarks>
    /// The body sizes are measured per attempt, as the semantic conventions define them per HTTP request: the response body's
    /// bytes on the wire (encoded, when the library decoded it) for an attempt that got a response, tagged with its status;
    /// the request body's bytes for a request that has content.
    /// </remarks>
    public override void OnAttemptEnded(AttemptEnd end)
    {
        if (!_measure)
        {
            return;
        }

        var requestSize = EventingDiagnostics.RequestBodySize.Enabled ? end.RequestBodyBytes : null;
        var responseSize = EventingDiagnostics.ResponseBodySize.Enabled ? end.ResponseBodyBytes : null;
        if (requestSize is null && responseSize is null)
        {
            return;
        }

        var tags = CommonTags();
        string? errorType = null;
        if (end.StatusCode is { } status)
        {
            tags.Add(TelemetryNames.ResponseStatusCode, TelemetryValues.Box((int)status));
            if ((int)status >= 400)
            {
                // As the runtime's per-attempt metrics: an error status is the attempt's error.type.
                errorType = ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        if (end.ProtocolVersion is { } version)
        {
            tags.Add(TelemetryNames.ProtocolVersion, TelemetryValues.ProtocolVersion(version));
        }

        errorType ??= TelemetryValues.ErrorType(end.Error, returnedStatus: null);
        if (errorType is not null)
        {
            tags.Add(TelemetryNames.ErrorType, errorType);
        }

        if (requestSize is { } request)
        {
            EventingDiagnostics.RequestBodySize.Record(request, tags);
        }

        if (responseSize is { } response)
        {
            EventingDiagnostics.ResponseBodySize.Record(response, tags);
        }
    }

    /// <inheritdoc/>
    public override void OnCallEnded(HttpCallResponse response)
    {
        var errorType = TelemetryValues.ErrorType(response.Error, response.StatusCode);
        var requestBodySize = response.RequestBodyBytes;
        if (_activity is { } activity)
        {
            if (activity.IsAllDataRequested)
            {
                if (response.StatusCode is { } status)
                {
                    activity.SetTag(TelemetryNames.ResponseStatusCode, TelemetryValues.Box((int)status));
                }

                if (response.RetryCount > 0)
                {
                    activity.SetTag(TelemetryNames.ResendCount, TelemetryValues.Box(response.RetryCount));
                }

                if (response.HttpResponse?.Version is { } version)
                {
                    activity.SetTag(TelemetryNames.ProtocolVersion, TelemetryValues.ProtocolVersion(version));
                }

                if (response.Timings is { } timings)
                {
                    SetTimings(activity, timings);
                }

                if (requestBodySize is { } size)
                {
                    activity.SetTag(TelemetryNames.RequestBodySize, size);
                }

                // As the conventions define it: the bytes transferred, the encoded ones when the library decoded the body.
                activity.SetTag(TelemetryNames.ResponseBodySize, response.EncodedBytesReceived ?? response.BytesReceived);
                if (errorType is not null)
                {
                    activity.SetTag(TelemetryNames.ErrorType, errorType);
                }
            }

            if (errorType is not null)
            {
                activity.SetStatus(ActivityStatusCode.Error);
            }

            // Stop() makes the activity that was current when the call started current again. The call often ends on
            // another flow (the caller reading the body, inside activities of its own): leave that flow's current alone.
            var current = Activity.Current;
            activity.Stop();
            if (current != activity)
            {
                Activity.Current = current;
            }
        }

        if (_measure)
        {
            RecordDuration(response, errorType);
        }
    }

    // The returned attempt's phases (EventingOptions.CollectTimings), in seconds, and its connection.
    private static void SetTimings(Activity activity, HttpTimings timings)
    {
        SetSeconds(activity, "queued", timings.Queued);
        SetSeconds(activity, "dns", timings.Dns);
        SetSeconds(activity, "connect", timings.Connect);
        SetSeconds(activity, "tls", timings.Tls);
        SetSeconds(activity, "request", timings.Request);
        SetSeconds(activity, "first_byte", timings.FirstByte);
        SetSeconds(activity, "download", timings.Download);
        SetSeconds(activity, "total", timings.Total);
        if (timings.ConnectionId is { } id)
        {
            activity.SetTag(TelemetryNames.ConnectionId, id);
        }

        if (timings.ConnectionReused is { } reused)
        {
            activity.SetTag(TelemetryNames.ConnectionReused, reused);
        }

        static void SetSeconds(Activity activity, string phase, TimeSpan? value)
        {
            if (value is { } duration)
            {
                activity.SetTag(TelemetryNames.TimingPrefix + phase, duration.TotalSeconds);
            }
        }
    }

    private void RecordDuration(HttpCallResponse response, string? errorType)
    {
        if (!EventingDiagnostics.CallDuration.Enabled || response.Duration is not { } duration)
        {
            return;
        }

        var tags = CommonTags();
        if (response.StatusCode is { } status)
        {
            tags.Add(TelemetryNames.ResponseStatusCode, TelemetryValues.Box((int)status));
        }

        if (response.HttpResponse?.Version is { } version)
        {
            // As the runtime's http.client.request.duration: the protocol of the response the call returned.
            tags.Add(TelemetryNames.ProtocolVersion, TelemetryValues.ProtocolVersion(version));
        }

        if (errorType is not null)
        {
            tags.Add(TelemetryNames.ErrorType, errorType);
        }

        EventingDiagnostics.CallDuration.Record(duration.TotalSeconds, tags);
    }

    private TagList CommonTags()
    {
        var tags = new TagList
        {
            { TelemetryNames.RequestMethod, _method },
        };
        if (_serverAddress is not null)
        {
            tags.Add(TelemetryNames.ServerAddress, _serverAddress);
            tags.Add(TelemetryNames.ServerPort, _serverPort);
            tags.Add(TelemetryNames.UrlScheme, _scheme);
        }

        return tags;
    }
}
