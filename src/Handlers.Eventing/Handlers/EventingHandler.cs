using Handlers.Eventing.Internal;

namespace Handlers.Eventing;

/// <summary>
/// A <see cref="DelegatingHandler"/> that gives every request an <see cref="HttpCall"/> (the one <see cref="HttpCall.For"/>
/// attached, or a new one) and raises its events as the request is sent and its body read.
/// </summary>
/// <remarks>
/// <para>
/// Use it in hand-built pipelines: <c>new HttpClient(new EventingHandler(new SocketsHttpHandler()))</c>. It runs the call-level
/// part and, right below it, the attempt-level part. With <c>IHttpClientFactory</c>, call <c>AddEventing()</c> instead: it
/// places the call-level part outermost and the attempt-level part innermost, so that retries and hedged attempts show as
/// attempts whatever the registration order.
/// </para>
/// <para>
/// A hand-built handler sees one attempt per call: a retry handler inside it retries below the attempt-level part (the events
/// then describe one attempt). Put a retry handler outside it and each retry is a call of its own.
/// </para>
/// <para>
/// Observation never changes the call: with no listener throwing, the caller gets the same response object, status,
/// headers, bytes and exceptions as without the handler. The response content is replaced by a wrapper with the same
/// headers and bytes, so that the handler sees the body as the caller reads it. The options are copied when the handler is
/// made: later changes of the <see cref="EventingOptions"/> object do not reach it.
/// </para>
/// </remarks>
public sealed class EventingHandler : DelegatingHandler
{
    private readonly CallHandler _callHandler;

    /// <summary>Initializes a new handler with default options; set <see cref="DelegatingHandler.InnerHandler"/> before use.</summary>
    public EventingHandler()
        : this(new EventingOptions())
    {
    }

    /// <summary>Initializes a new handler with default options over <paramref name="innerHandler"/>.</summary>
    /// <param name="innerHandler">The handler that sends the requests, for example a <see cref="SocketsHttpHandler"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="innerHandler"/> is <see langword="null"/>.</exception>
    public EventingHandler(HttpMessageHandler innerHandler)
        : this(innerHandler, new EventingOptions())
    {
    }

    /// <summary>Initializes a new handler with options; set <see cref="DelegatingHandler.InnerHandler"/> before use.</summary>
    /// <param name="options">The options: success predicate, listener-exception policy, client-level listeners. They are copied.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    public EventingHandler(EventingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _callHandler = Compose(options.Snapshot());
    }

    /// <summary>Initializes a new handler with options over <paramref name="innerHandler"/>.</summary>
    /// <param name="innerHandler">The handler that sends the requests.</param>
    /// <param name="options">The options: success predicate, listener-exception policy, client-level listeners. They are copied.</param>
    /// <exception cref="ArgumentNullException"><paramref name="innerHandler"/> or <paramref name="options"/> is <see langword="null"/>.</exception>
    public EventingHandler(HttpMessageHandler innerHandler, EventingOptions options)
        : base(innerHandler ?? throw new ArgumentNullException(nameof(innerHandler)))
    {
        ArgumentNullException.ThrowIfNull(options);
        _callHandler = Compose(options.Snapshot());
    }

    /// <inheritdoc/>
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        _callHandler.SendCoreAsync(request, cancellationToken);

    /// <inheritdoc/>
    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken) =>
        _callHandler.SendCore(request, cancellationToken);

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            // The composed parts end in a forwarder to this handler's inner handler, which base.Dispose disposes.
            _callHandler.Dispose();
        }

        base.Dispose(disposing);
    }

    private CallHandler Compose(EventingOptions options) =>
        new(options, services: null) { InnerHandler = new AttemptHandler { InnerHandler = new InnerForwarder(this) } };

    private Task<HttpResponseMessage> SendToInnerAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        base.SendAsync(request, cancellationToken);

    private HttpResponseMessage SendToInner(HttpRequestMessage request, CancellationToken cancellationToken) =>
        base.Send(request, cancellationToken);

    /// <summary>The end of the composed parts: sends to the <see cref="EventingHandler"/>'s own inner handler.</summary>
    private sealed class InnerForwarder(EventingHandler owner) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            owner.SendToInnerAsync(request, cancellationToken);

        protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken) =>
            owner.SendToInner(request, cancellationToken);
    }
}
