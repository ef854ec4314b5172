namespace Handlers.Eventing;

/// <summary>
/// One HTTP call and its events, modelled on the AWS SDK for JavaScript v2 <c>AWS.Request</c>: register listeners for the
/// keys of <see cref="HttpEvents"/>, then send the request through an <see cref="HttpClient"/> whose pipeline holds an
/// <see cref="EventingHandler"/> (or call <see cref="SendAsync"/> on a call made by
/// <see cref="HttpClientEventingExtensions.CreateCall(HttpClient, HttpMethod, string)"/>).
/// </summary>
/// <remarks>
/// <para>
/// A call ends exactly once: it raises exactly one of <see cref="HttpEvents.Success"/> / <see cref="HttpEvents.Error"/>,
/// then <see cref="HttpEvents.Complete"/>, on every path, and it ends when its body was read to the end, failed, or was
/// disposed, not when the headers arrived. A listener for those three events added after the call ended is invoked at
/// once, inside the registering call, with the final <see cref="Response"/> (on-finished semantics).
/// </para>
/// <para>
/// Listeners follow <see cref="EventEmitter"/> rules with one difference: when a listener of an <see cref="HttpCall"/>
/// event throws, the other listeners of that emit still run, and the exception fails the call (see docs/events.md). The
/// events of <see cref="HttpEvents"/> are raised by the library only, one at a time per call, also when attempts overlap.
/// </para>
/// </remarks>
public sealed partial class HttpCall : EventEmitter
{
    private static readonly HttpRequestOptionsKey<HttpCall> s_optionsKey = new("Handlers.Eventing.HttpCall");

    private readonly HttpClient? _client;
    private TaskCompletionSource<HttpCallResponse>? _completion;
    private long _bodyIdleTimeoutTicks; // 0: not set (a set value is positive or Timeout.InfiniteTimeSpan's)

    private HttpCall(HttpRequestMessage request, HttpClient? client)
        : base(checksEmit: true)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Options.TryGetValue(s_optionsKey, out _))
        {
            throw new InvalidOperationException(
                "This request already has an HttpCall. Use HttpCall.For(request) to get it, or create a new HttpRequestMessage for a new call.");
        }

        Request = request;
        _client = client;
        Response = new HttpCallResponse(this);
        request.Options.Set(s_optionsKey, this);
    }

    /// <summary>Gets the request this call sends.</summary>
    public HttpRequestMessage Request { get; }

    /// <summary>Gets the response of the call (AWS <c>response</c>), filled in as the call runs.</summary>
    public HttpCallResponse Response { get; }

    /// <summary>Gets a value indicating whether the call has finished: it turns true just before <see cref="HttpEvents.Complete"/> is raised.</summary>
    /// <value><see langword="false"/> while the call runs and inside <see cref="HttpEvents.Success"/> / <see cref="HttpEvents.Error"/> listeners.</value>
    public bool IsFinished => Phase >= Internal.CallPhase.Finished;

    /// <summary>Gets a task that completes, never faults, once every <see cref="HttpEvents.Complete"/> listener ran.</summary>
    public Task<HttpCallResponse> Completion
    {
        get
        {
            var completion = Volatile.Read(ref _completion);
            if (completion is null)
            {
                if (Phase == Internal.CallPhase.Completed)
                {
                    return Task.FromResult(Response);
                }

                completion = new TaskCompletionSource<HttpCallResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
                completion = Interlocked.CompareExchange(ref _completion, completion, null) ?? completion;
                if (Phase == Internal.CallPhase.Completed)
                {
                    completion.TrySetResult(Response);
                }
            }

            return completion.Task;
        }
    }

    /// <summary>
    /// Gets or sets a value indicating whether <see cref="SendAsync"/> buffers the response body into
    /// <see cref="HttpCallResponse.HttpResponse"/>'s content, so it can be read again after the call.
    /// </summary>
    /// <value>
    /// The default is <see langword="false"/>: <see cref="SendAsync"/> streams the body through <see cref="HttpEvents.HttpData"/>
    /// and holds no copy, so memory stays flat whatever the body's size.
    /// </value>
    public bool BufferResponseBody { get; set; }

    /// <summary>
    /// Gets or sets how long a pending read of this call's response body may wait without a byte before it fails with
    /// <see cref="HttpBodyIdleTimeoutException"/>, overriding the client's <see cref="ResponseBodyOptions.IdleTimeout"/>.
    /// </summary>
    /// <value>
    /// The default is <see langword="null"/>: the client's option applies. <see cref="Timeout.InfiniteTimeSpan"/> turns the timeout
    /// off for this call (a server-sent-events stream on a client that downloads); a positive value sets it.
    /// </value>
    /// <remarks>
    /// Set it before sending, or in a configuration that runs when the call starts (<see cref="EventingOptions.OnCall(Action{HttpCall})"/>,
    /// <c>HttpCall.Observe</c>); a change while the body is read applies from the next read.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException">The value is zero, or negative and not <see cref="Timeout.InfiniteTimeSpan"/>.</exception>
    public TimeSpan? BodyIdleTimeout
    {
        get => _bodyIdleTimeoutTicks == 0 ? null : TimeSpan.FromTicks(_bodyIdleTimeoutTicks);
        set
        {
            if (value is { } timeout)
            {
                ResponseBodyOptions.ValidateIdleTimeout(timeout, nameof(value));
            }

            _bodyIdleTimeoutTicks = value?.Ticks ?? 0;
        }
    }

    /// <summary>Gets the idle timeout of this call's response body, or <see cref="Timeout.InfiniteTimeSpan"/> when it has none.</summary>
    internal TimeSpan EffectiveBodyIdleTimeout => _bodyIdleTimeoutTicks == 0 ? Options.ResponseBody.IdleTimeout : TimeSpan.FromTicks(_bodyIdleTimeoutTicks);

    /// <summary>Returns the call attached to <paramref name="request"/>, creating and attaching one if it has none.</summary>
    /// <param name="request">The request.</param>
    /// <returns>The same object every time for the same request.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="request"/> is <see langword="null"/>.</exception>
    public static HttpCall For(HttpRequestMessage request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.Options.TryGetValue(s_optionsKey, out var call) ? call : new HttpCall(request, client: null);
    }

    /// <summary>Gets the call attached to <paramref name="request"/>, without creating one.</summary>
    /// <param name="request">The request.</param>
    /// <param name="call">The call, when the request has one.</param>
    /// <returns><see langword="true"/> when the request has a call (made by <see cref="For"/>, <c>CreateCall</c>, or a handler that sent it).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="request"/> is <see langword="null"/>.</exception>
    public static bool TryGet(HttpRequestMessage request, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out HttpCall? call)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.Options.TryGetValue(s_optionsKey, out call);
    }

    internal static HttpCall Create(HttpClient client, HttpRequestMessage request)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(request);
        if (request.Options.TryGetValue(s_optionsKey, out _))
        {
            throw new ArgumentException(
                "This request already has an HttpCall (HttpCall.For was called on it, or it was sent). Create a new HttpRequestMessage for a new call.",
                nameof(request));
        }

        return new HttpCall(request, client);
    }

    /// <inheritdoc cref="EventEmitter.On{TArgs}(EventKey{TArgs}, Action{TArgs})"/>
    /// <remarks>A <see cref="HttpEvents.Success"/>, <see cref="HttpEvents.Error"/> or <see cref="HttpEvents.Complete"/> listener added after that event was raised runs at once and is not stored.</remarks>
    public new HttpCall On<TArgs>(EventKey<TArgs> eventKey, Action<TArgs> listener)
    {
        base.On(eventKey, listener);
        return this;
    }

    /// <inheritdoc cref="EventEmitter.Once{TArgs}(EventKey{TArgs}, Action{TArgs})"/>
    public new HttpCall Once<TArgs>(EventKey<TArgs> eventKey, Action<TArgs> listener)
    {
        base.Once(eventKey, listener);
        return this;
    }

    /// <inheritdoc cref="EventEmitter.PrependListener{TArgs}(EventKey{TArgs}, Action{TArgs})"/>
    public new HttpCall PrependListener<TArgs>(EventKey<TArgs> eventKey, Action<TArgs> listener)
    {
        base.PrependListener(eventKey, listener);
        return this;
    }

    /// <inheritdoc cref="EventEmitter.PrependOnceListener{TArgs}(EventKey{TArgs}, Action{TArgs})"/>
    public new HttpCall PrependOnceListener<TArgs>(EventKey<TArgs> eventKey, Action<TArgs> listener)
    {
        base.PrependOnceListener(eventKey, listener);
        return this;
    }

    /// <inheritdoc cref="EventEmitter.Off{TArgs}(EventKey{TArgs}, Action{TArgs})"/>
    public new HttpCall Off<TArgs>(EventKey<TArgs> eventKey, Action<TArgs> listener)
    {
        base.Off(eventKey, listener);
        return this;
    }

    /// <inheritdoc cref="EventEmitter.RemoveAllListeners()"/>
    public new HttpCall RemoveAllListeners()
    {
        base.RemoveAllListeners();
        return this;
    }

    /// <inheritdoc cref="EventEmitter.RemoveAllListeners(EventKey)"/>
    public new HttpCall RemoveAllListeners(EventKey eventKey)
    {
        base.RemoveAllListeners(eventKey);
        return this;
    }

    /// <summary>Returns a short description of the call: method, URI and state.</summary>
    /// <returns>A description for logs and the debugger.</returns>
    public override string ToString() =>
        $"{Request.Method} {Request.RequestUri} ({(IsFinished ? Response.ToString() : IsStarted ? "running" : "not sent")})";

    /// <inheritdoc/>
    private protected override void OnEmit(EventKey eventKey)
    {
        if (HttpEvents.IsCallEvent(eventKey))
        {
            throw new InvalidOperationException(
                $"The '{eventKey.Name}' event of an HttpCall is raised by the library only, as the call runs; it cannot be raised with Emit. " +
                "Use your own EventKey for application events, or listen to this one with On.");
        }
    }

    private void CompleteCompletion()
    {
        Volatile.Write(ref _phase, (int)Internal.CallPhase.Completed);
        Volatile.Read(ref _completion)?.TrySetResult(Response);
    }
}
