using System.Runtime.ExceptionServices;
using Handlers.Eventing.Internal;

namespace Handlers.Eventing;

/// <summary>
/// A <see cref="DelegatingHandler"/> that gives every request an <see cref="HttpCall"/> (the one
/// <see cref="HttpCall.For"/> attached, or a new one) and raises its events as the request is sent and its body read.
/// </summary>
/// <remarks>
/// <para>
/// Use it in hand-built pipelines: <c>new HttpClient(new EventingHandler(new SocketsHttpHandler()))</c>. With
/// <c>IHttpClientFactory</c>, call <c>AddEventing()</c> instead: it places the call-level part outermost and the attempt-level
/// part innermost, so retries show as attempts whatever the registration order.
/// </para>
/// <para>
/// A hand-built handler observes one attempt per call: put it outermost, and a retry handler inside it retries below it
/// (the events then describe the final attempt, with <see cref="HttpHeadersEvent.Attempt"/> 1).
/// </para>
/// <para>
/// Observation never changes the call: with no listener throwing, the caller gets the same response object, status,
/// headers, bytes and exceptions as without the handler. The response content is replaced by a wrapper with the same
/// headers and bytes, so that the handler sees the body as the caller reads it.
/// </para>
/// </remarks>
public class EventingHandler : DelegatingHandler
{
    private readonly EventingOptions _options;
    private readonly IServiceProvider? _services;
    private readonly EventingStage _stage;

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
    /// <param name="options">The options: success predicate, listener-exception policy, client-level listeners.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    public EventingHandler(EventingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _stage = EventingStage.CallAndAttempt;
    }

    /// <summary>Initializes a new handler with options over <paramref name="innerHandler"/>.</summary>
    /// <param name="innerHandler">The handler that sends the requests.</param>
    /// <param name="options">The options: success predicate, listener-exception policy, client-level listeners.</param>
    /// <exception cref="ArgumentNullException"><paramref name="innerHandler"/> or <paramref name="options"/> is <see langword="null"/>.</exception>
    public EventingHandler(HttpMessageHandler innerHandler, EventingOptions options)
        : base(innerHandler ?? throw new ArgumentNullException(nameof(innerHandler)))
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _stage = EventingStage.CallAndAttempt;
    }

    internal EventingHandler(EventingOptions options, IServiceProvider? services, EventingStage stage)
    {
        _options = options;
        _services = services;
        _stage = stage;
    }

    /// <summary>Gets the options this handler applies to the calls it starts.</summary>
    public EventingOptions Options => _options;

    internal EventingStage Stage => _stage;

    /// <inheritdoc/>
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var call = HttpCall.For(request);
        var runsCall = _stage != EventingStage.Attempt;
        if (runsCall && !call.TryStart(_options, _services, cancellationToken, out cancellationToken))
        {
            // An outer handler already runs this call.
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }

        HttpResponseMessage response;
        try
        {
            if (_stage == EventingStage.Call)
            {
                response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                var (attempt, original) = BeginAttempt(call, request);
                try
                {
                    response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    ThrowAttemptFailure(call, attempt, ex);
                    throw;
                }
                finally
                {
                    EndAttempt(request, original);
                }

                response = CompleteAttempt(call, attempt, response);
            }
        }
        catch (Exception ex) when (runsCall)
        {
            ThrowCallFailure(call, ex);
            throw;
        }

        return runsCall ? CompleteCall(call, response) : response;
    }

    /// <inheritdoc/>
    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var call = HttpCall.For(request);
        var runsCall = _stage != EventingStage.Attempt;
        if (runsCall && !call.TryStart(_options, _services, cancellationToken, out cancellationToken))
        {
            return base.Send(request, cancellationToken);
        }

        HttpResponseMessage response;
        try
        {
            if (_stage == EventingStage.Call)
            {
                response = base.Send(request, cancellationToken);
            }
            else
            {
                var (attempt, original) = BeginAttempt(call, request);
                try
                {
                    response = base.Send(request, cancellationToken);
                }
                catch (Exception ex)
                {
                    ThrowAttemptFailure(call, attempt, ex);
                    throw;
                }
                finally
                {
                    EndAttempt(request, original);
                }

                response = CompleteAttempt(call, attempt, response);
            }
        }
        catch (Exception ex) when (runsCall)
        {
            ThrowCallFailure(call, ex);
            throw;
        }

        return runsCall ? CompleteCall(call, response) : response;
    }

    private static (int Attempt, HttpContent? Original) BeginAttempt(HttpCall call, HttpRequestMessage request)
    {
        var attempt = call.BeginAttempt();
        var original = request.Content;
        if (original is not null && call.HasListeners(HttpEvents.HttpUploadProgress))
        {
            request.Content = new UploadProgressContent(original, call, attempt);
            return (attempt, original);
        }

        return (attempt, null);
    }

    private static void EndAttempt(HttpRequestMessage request, HttpContent? original)
    {
        if (original is not null && request.Content is UploadProgressContent upload)
        {
            // Observation never changes the request: the caller finds its own content on it afterwards.
            request.Content = original;
            upload.Dispose();
        }
    }

    private static void ThrowAttemptFailure(HttpCall call, int attempt, Exception exception)
    {
        if (call.TakeListenerFailure() is { } listenerFailure)
        {
            // An upload-progress listener threw inside the transport, which may have wrapped it: throw the listener's own.
            call.EndAttempt(status: null, listenerFailure);
            ExceptionDispatchInfo.Throw(listenerFailure);
        }

        call.EndAttempt(status: null, exception);
        if (exception is not OperationCanceledException && call.AbortException is null
            && call.RaiseAttemptEvent(HttpEvents.HttpError, new HttpErrorEvent(exception, call, attempt)) is { } errorListenerFailure)
        {
            ExceptionDispatchInfo.Throw(errorListenerFailure);
        }
    }

    private static HttpResponseMessage CompleteAttempt(HttpCall call, int attempt, HttpResponseMessage response)
    {
        call.EndAttempt(response.StatusCode, error: null);
        call.Response.HttpResponse = response;
        call.Response.StatusCode = response.StatusCode;
        call.Response.MarkHeaders();

        var content = new ObservedContent(response.Content, call, attempt, endsCall: false);
        response.Content = content;
        if (call.HasListeners(HttpEvents.HttpHeaders)
            && call.RaiseAttemptEvent(HttpEvents.HttpHeaders, new HttpHeadersEvent(response.StatusCode, response, call, attempt)) is { } failure)
        {
            // The send throws the listener's exception; the body is faulted by it (no httpDone, even when empty) and the
            // response it would have returned is released.
            content.Body.FailByListener(failure);
            response.Dispose();
            ExceptionDispatchInfo.Throw(failure);
        }

        return response;
    }

    private static void ThrowCallFailure(HttpCall call, Exception exception)
    {
        var error = call.MapFailure(exception);
        if (call.End(error) is { } listenerFailure)
        {
            ExceptionDispatchInfo.Throw(listenerFailure);
        }

        if (!ReferenceEquals(error, exception))
        {
            ExceptionDispatchInfo.Throw(error);
        }
    }

    private static HttpResponseMessage CompleteCall(HttpCall call, HttpResponseMessage response)
    {
        call.SetFinalResponse(response);
        ResponseBody body;
        Exception? failure;
        if (response.Content is ObservedContent observed && ReferenceEquals(observed.Body.Call, call))
        {
            body = observed.Body;
            failure = body.EndCall();
        }
        else
        {
            // No attempt stage observed this response (a handler in between replaced it): observe it for the call's end.
            var content = new ObservedContent(response.Content, call, attempt: 0, endsCall: true);
            response.Content = content;
            body = content.Body;
            failure = null;
        }

        failure ??= call.SetBody(body);
        if (failure is not null)
        {
            response.Dispose();
            ExceptionDispatchInfo.Throw(failure);
        }

        return response;
    }
}
