using System.Diagnostics;
using Handlers.Eventing.Internal;

namespace Handlers.Eventing;

/// <summary>
/// A <see cref="DelegatingHandler"/> that gives every request an <see cref="HttpCall"/> (the one <see cref="HttpCall.For"/>
/// attached, or a new one) and raises its events as the request is sent and its body read.
/// </summary>
/// <remarks>
/// <para>
/// Use it in hand-built pipelines: <c>new HttpClient(new EventingHandler(new SocketsHttpHandler()))</c>. It runs the call
/// and its attempt in one handler layer. With <c>IHttpClientFactory</c>, call <c>AddEventing()</c> instead: it places the
/// call-level part outermost and the attempt-level part innermost, so that retries and hedged attempts show as attempts
/// whatever the registration order (and, when no handler sits between them, one layer like this one).
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
    private readonly EventingOptions _options;
    private readonly IServiceProvider? _services;

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
        _options = options.Snapshot();
    }

    /// <summary>Initializes a new handler with options over <paramref name="innerHandler"/>.</summary>
    /// <param name="innerHandler">The handler that sends the requests.</param>
    /// <param name="options">The options: success predicate, listener-exception policy, client-level listeners. They are copied.</param>
    /// <exception cref="ArgumentNullException"><paramref name="innerHandler"/> or <paramref name="options"/> is <see langword="null"/>.</exception>
    public EventingHandler(HttpMessageHandler innerHandler, EventingOptions options)
        : base(innerHandler ?? throw new ArgumentNullException(nameof(innerHandler)))
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Snapshot();
    }

    /// <summary>Initializes the one-layer handler a factory pipeline gets when no handler sits between the call and the attempt.</summary>
    /// <param name="options">The pipeline's own copy of the options.</param>
    /// <param name="services">The services client-level hooks resolve from.</param>
    internal EventingHandler(EventingOptions options, IServiceProvider? services)
    {
        _options = options;
        _services = services;
    }

    /// <inheritdoc/>
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        SendCoreAsync(request, async: true, cancellationToken);

    /// <inheritdoc/>
    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken) =>
        SendCoreAsync(request, async: false, cancellationToken).GetAwaiter().GetResult();

    /// <summary>
    /// The call part (<see cref="CallHandler"/>'s job) around the attempt part (<see cref="AttemptHandler"/>'s job) in one
    /// method, so that a pipeline with nothing between them pays for one async layer. A resume the body asks for
    /// (<paramref name="resumeOf"/>) runs the attempt part only.
    /// </summary>
    private async Task<HttpResponseMessage> SendCoreAsync(
        HttpRequestMessage request, bool async, CancellationToken cancellationToken, HttpCall? resumeOf = null)
    {
        var call = resumeOf ?? HttpCall.For(request);
        var activity = Activity.Current;
        if (resumeOf is null)
        {
            if (!call.TryStart(_options, _services, ref cancellationToken))
            {
                // An outer handler runs the call, and its attempt part observes this attempt already (a hand-built
                // EventingHandler does both jobs; the factory's two parts come as a pair): pass the request on.
                return async ? await base.SendAsync(request, cancellationToken).ConfigureAwait(false) : base.Send(request, cancellationToken);
            }

            // Stryker disable once Equality : HttpCall.EnableResume checks the same option and keeps nothing for 0 resumes: the mutant only allocates the closure
            if (_options.ResponseBody.MaxResumeAttempts > 0)
            {
                EnableResume(call);
            }
        }

        HttpResponseMessage response;
        try
        {
            // The attempt part: one attempt of the call through the inner handler.
            var attempt = call.BeginAttempt(request);
            attempt?.StartTimer();
            try
            {
                response = async ? await base.SendAsync(request, cancellationToken).ConfigureAwait(false) : base.Send(request, cancellationToken);
            }
            catch (Exception ex) when (attempt is not null)
            {
                attempt.OnSendFailed(ex);
                throw;
            }
            finally
            {
                attempt?.OnSendReturned();
            }

            if (attempt is not null)
            {
                response = attempt.OnHeaders(response);
            }
        }
        catch (Exception ex) when (resumeOf is null)
        {
            call.OnSendFailed(ex);
            throw;
        }
        finally
        {
            if (!async)
            {
                Activity.Current = activity;
            }
        }

        return resumeOf is null ? call.OnResponse(response) : response;
    }

    /// <summary>Lends the call the attempt part, for a resume (a method of its own: the closure is allocated only then).</summary>
    private void EnableResume(HttpCall call) => call.EnableResume((resume, token) => SendCoreAsync(resume, async: true, token, resumeOf: call));
}
