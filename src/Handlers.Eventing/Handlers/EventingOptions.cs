using Handlers.Eventing.Internal;

namespace Handlers.Eventing;

/// <summary>
/// Options of an <see cref="EventingHandler"/>: what counts as success, what listener exceptions do, and the client-level
/// listeners applied to every call of the client.
/// </summary>
public sealed class EventingOptions
{
    private static readonly Func<HttpResponseMessage, bool> s_isSuccessStatusCode = static response => response.IsSuccessStatusCode;

    private Func<HttpResponseMessage, bool> _successPredicate = s_isSuccessStatusCode;
    private ResponseBodyOptions _responseBody = new();
    private TimeProvider _timeProvider = TimeProvider.System;

    /// <summary>Gets or sets the predicate that decides whether a response status is a success.</summary>
    /// <value>The default accepts 2xx statuses (<see cref="HttpResponseMessage.IsSuccessStatusCode"/>).</value>
    /// <remarks>
    /// A response the predicate rejects still streams its body (<see cref="HttpEvents.HttpData"/>, <see cref="HttpEvents.HttpDone"/>),
    /// then ends the call in <see cref="HttpEvents.Error"/> with an <see cref="HttpRequestException"/> carrying the status;
    /// <see cref="HttpClient"/> still returns the response unchanged.
    /// </remarks>
    /// <exception cref="ArgumentNullException">The value is <see langword="null"/>.</exception>
    public Func<HttpResponseMessage, bool> SuccessPredicate
    {
        get => _successPredicate;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            _successPredicate = value;
        }
    }

    /// <summary>Gets or sets a value indicating whether listener exceptions are isolated instead of failing the call.</summary>
    /// <value>
    /// The default is <see langword="false"/>: a listener exception fails the call and is thrown by the operation that raised
    /// the event (AWS's rule). When <see langword="true"/>, listener exceptions are passed to
    /// <see cref="ListenerExceptionHandler"/> (and logged when lifecycle logging is on) and never thrown.
    /// </value>
    public bool IsolateListenerExceptions { get; set; }

    /// <summary>
    /// Gets or sets a callback that receives listener exceptions that are not thrown: all of them when
    /// <see cref="IsolateListenerExceptions"/> is on, otherwise the second and later exceptions of one emit.
    /// </summary>
    /// <value>The default is <see langword="null"/>. The callback must not throw.</value>
    public Action<HttpCall, EventKey, Exception>? ListenerExceptionHandler { get; set; }

    /// <summary>Gets or sets a value indicating whether each call of the client logs its lifecycle through <c>ILogger</c>.</summary>
    /// <value>The default is <see langword="false"/>.</value>
    /// <remarks>
    /// <para>
    /// Applies to clients configured with <c>AddEventing()</c>; the category is <c>Handlers.Eventing.HttpCall.{clientName}</c>.
    /// Each call logs its start and each attempt's headers (Debug), each retry or resume with its kind, reason and delay
    /// (Warning), each hedged attempt with the time since the previous one started (Information; the losing attempt at
    /// Debug), and its end in one line with method, URI (as <see cref="RedactUri"/> writes it), status, attempt, bytes sent
    /// and received (on the wire, with the decoded count when the library decoded the body), time to headers, duration to the
    /// end of the body, outcome (<c>Stalled (…)</c> for a body that hit <see cref="ResponseBodyOptions.IdleTimeout"/>), and the
    /// returned attempt's phases when <see cref="CollectTimings"/> is on (Information on success, Warning on error). Isolated
    /// listener exceptions are logged too. Attempts are numbered from 1 (Polly's own logs count them from 0).
    /// </para>
    /// <para>
    /// The logger is one of the library's own observers, not a listener of the call, and the levels are checked when a call
    /// starts: when they are off, nothing is observed or allocated.
    /// </para>
    /// <para>
    /// <c>IHttpClientFactory</c>'s default logging also logs every request (four messages per call, ending at the headers).
    /// To keep only this line, remove it for the client with <c>RemoveAllLoggers()</c>:
    /// <c>services.AddHttpClient("files").RemoveAllLoggers().AddEventing(o =&gt; o.LogLifecycle = true)</c>; with a resilience
    /// handler, also filter Polly's own lines (<c>logging.AddFilter("Polly", LogLevel.Error)</c>) for one line per call plus
    /// one per retry.
    /// </para>
    /// </remarks>
    public bool LogLifecycle { get; set; }

    /// <summary>Gets or sets a value indicating whether each attempt's phase timings and connection are collected (<see cref="HttpTimings"/>).</summary>
    /// <value>The default is <see langword="false"/>: nothing is enabled or measured.</value>
    /// <remarks>
    /// When on, <see cref="HttpHeadersEvent.Timings"/>, <see cref="HttpErrorEvent.Timings"/> and <see cref="HttpCallResponse.Timings"/>
    /// carry the attempt's phases; the lifecycle log line and the call's activity include them. See docs/timings.md.
    /// </remarks>
    public bool CollectTimings { get; set; }

    /// <summary>
    /// Gets or sets the application's own URL redaction: the function that writes a request URI into the lifecycle log lines
    /// (<see cref="LogLifecycle"/>) and into the call's span (the <c>url.full</c> attribute).
    /// </summary>
    /// <value>
    /// The default is <see langword="null"/>: user info and fragment dropped, every query value replaced by <c>*</c>
    /// (<c>https://example.com/files?token=*&amp;page=*</c>), query keys kept.
    /// </value>
    /// <remarks>
    /// <para>
    /// The one redaction of the client: logs and spans show the same text. It is called with the request URI as the call
    /// sends it (absolute, or relative when the client has no base address) — once when the call starts, and for the log lines
    /// as they are written (the URI may have changed by then, for example after a redirect) — on the thread that raises the
    /// event, so it must be fast and thread-safe. Metrics never carry the URI.
    /// </para>
    /// <para>
    /// It never breaks the call: when it throws or returns <see langword="null"/>, the default redaction is used for that URI
    /// and the exception is neither thrown nor logged.
    /// </para>
    /// </remarks>
    public Func<Uri, string>? RedactUri { get; set; }

    /// <summary>
    /// Gets or sets the throttle that <c>ReportDownloadProgress</c> and <c>ReportUploadProgress</c>
    /// (<see cref="HttpCallProgressExtensions"/>) use for the calls of this client when none is passed.
    /// </summary>
    /// <value>
    /// The default is <see langword="null"/>: <see cref="ProgressThrottle.Default"/> (at most one report every 100 ms, first
    /// and final kept). <see cref="ProgressThrottle.None"/> reports every event.
    /// </value>
    /// <remarks>With <c>AddEventing()</c>, invalid values fail options validation when the client is created (or at host start).</remarks>
    public ProgressThrottle? ProgressThrottle { get; set; }

    /// <summary>
    /// Gets or sets the options that act on response bodies instead of only observing them, each off by default: the
    /// library's own decoding, the idle timeout of a stalled body, and resuming a body cut mid-stream.
    /// </summary>
    /// <value>Never <see langword="null"/>; the default has every option off.</value>
    /// <exception cref="ArgumentNullException">The value is <see langword="null"/>.</exception>
    public ResponseBodyOptions ResponseBody
    {
        get => _responseBody;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            _responseBody = value;
        }
    }

    /// <summary>Gets or sets the clock of the timers the handler runs (<see cref="ResponseBodyOptions.IdleTimeout"/>).</summary>
    /// <value>The default is <see cref="TimeProvider.System"/>; tests pass a fake one to control time.</value>
    /// <exception cref="ArgumentNullException">The value is <see langword="null"/>.</exception>
    public TimeProvider TimeProvider
    {
        get => _timeProvider;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            _timeProvider = value;
        }
    }

    /// <summary>Gets the client-level listener registrations, run for every call when it starts.</summary>
    internal List<Action<HttpCall, IServiceProvider?>> CallConfigurations { get; } = [];

    /// <summary>Gets the factories of the library's own observers for the calls of the client (lifecycle logging).</summary>
    internal List<ICallObserverFactory> ObserverFactories { get; } = [];

    /// <summary>Gets or sets a value indicating whether <c>AddEventing()</c> turned eventing on for the client these options name.</summary>
    internal bool Enabled { get; set; }

    /// <summary>
    /// Adds client-level listeners (the AWS <c>AWS.events</c> idea): <paramref name="configure"/> runs for every call of the
    /// client when it is sent, and the listeners it adds run before the call's own.
    /// </summary>
    /// <param name="configure">Adds listeners to the call, for example <c>call =&gt; call.On(HttpEvents.Complete, Log)</c>.</param>
    /// <returns>These options, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="configure"/> is <see langword="null"/>.</exception>
    public EventingOptions OnCall(Action<HttpCall> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        CallConfigurations.Add((call, _) => configure(call));
        return this;
    }

    /// <summary>
    /// Adds client-level listeners that use services: <paramref name="configure"/> runs for every call of the client with the
    /// call and the client's <see cref="IServiceProvider"/> (OkHttp's per-call listener factory).
    /// </summary>
    /// <param name="configure">Adds listeners to the call; resolve services from the provider.</param>
    /// <returns>These options, for chaining.</returns>
    /// <remarks>
    /// With <c>AddEventing()</c> the provider is the application's; with a hand-built <see cref="EventingHandler"/>, which
    /// has no provider, it is a provider that resolves nothing.
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="configure"/> is <see langword="null"/>.</exception>
    public EventingOptions OnCall(Action<HttpCall, IServiceProvider> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        CallConfigurations.Add((call, services) => configure(call, services ?? EmptyServiceProvider.Instance));
        return this;
    }

    internal void CopyTo(EventingOptions target)
    {
        target._successPredicate = _successPredicate;
        target.IsolateListenerExceptions = IsolateListenerExceptions;
        target.ListenerExceptionHandler = ListenerExceptionHandler;
        target.LogLifecycle = LogLifecycle;
        target.CollectTimings = CollectTimings;
        target.RedactUri = RedactUri;
        target.ProgressThrottle = ProgressThrottle;
        target._responseBody = _responseBody.Clone();
        target._timeProvider = _timeProvider;
        target.CallConfigurations.AddRange(CallConfigurations);
        target.ObserverFactories.AddRange(ObserverFactories);
        target.Enabled = Enabled;
    }

    /// <summary>Returns a copy a handler keeps, so that later changes of these options never reach a running handler.</summary>
    internal EventingOptions Snapshot()
    {
        var copy = new EventingOptions();
        CopyTo(copy);
        return copy;
    }

    private sealed class EmptyServiceProvider : IServiceProvider
    {
        public static readonly EmptyServiceProvider Instance = new();

        public object? GetService(Type serviceType) => null;
    }
}
