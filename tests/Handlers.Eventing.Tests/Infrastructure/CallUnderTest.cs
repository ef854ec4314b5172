namespace Handlers.Eventing.Tests.Infrastructure;

/// <summary>
/// The arrangement every call-path test starts with, in one object: a client whose pipeline has a <see cref="PipelineShape"/>
/// over a transport (sockets to the shared <see cref="LoopbackServer"/>, or an in-memory handler), one request, the request's
/// <see cref="HttpCall"/> and an <see cref="EventRecorder"/> attached to that call. Disposing it disposes the request and the client.
/// </summary>
/// <example>
/// <code>
/// using var sut = await CallUnderTest.LoopbackAsync("bytes/1000", shape);
/// using var response = await sut.SendAsync().WithTimeout();
/// Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,httpDone,success,complete:True", sut.Recorder.Compact());
/// </code>
/// </example>
public sealed class CallUnderTest : IDisposable
{
    /// <summary>The URL of an in-memory call when the test names none: the transport answers every request alike.</summary>
    public const string InMemoryUrl = "http://example.test/resource";

    private readonly LoopbackServer? _server;
    private readonly EventRecorder? _recorder;

    private CallUnderTest(HttpClient client, HttpRequestMessage request, LoopbackServer? server, Action<HttpCall>? listen, bool createCall, bool record)
    {
        Client = client;
        Request = request;
        _server = server;
        Call = createCall ? client.CreateCall(request) : HttpCall.For(request);
        listen?.Invoke(Call);
        _recorder = record ? new EventRecorder(Call) : null;
    }

    /// <summary>Gets the client: its pipeline has the eventing part in the shape asked for, over the transport.</summary>
    public HttpClient Client { get; }

    /// <summary>Gets the request: a GET unless another method was asked for.</summary>
    public HttpRequestMessage Request { get; }

    /// <summary>Gets the request's call.</summary>
    public HttpCall Call { get; }

    /// <summary>Gets the recorder attached to <see cref="Call"/> (after the listeners given as <c>listen</c>).</summary>
    /// <exception cref="InvalidOperationException">The call was arranged with <c>record: false</c>: it has no recorder.</exception>
    public EventRecorder Recorder => _recorder ?? throw new InvalidOperationException("This call was arranged without a recorder (record: false).");

    /// <summary>Gets the shared loopback server the request goes to.</summary>
    /// <exception cref="InvalidOperationException">The call is in memory: there is no server.</exception>
    public LoopbackServer Server => _server ?? throw new InvalidOperationException("An in-memory call has no loopback server.");

    /// <summary>
    /// Arranges a call to <paramref name="pathAndQuery"/> on the shared <see cref="LoopbackServer"/>, over HTTP/1.1 or h2c,
    /// through a client made by <see cref="LoopbackVersions.EventingClient(bool, PipelineShape, EventingOptions?)"/>.
    /// </summary>
    /// <param name="pathAndQuery">The endpoint, for example <c>bytes/1000?chunked=true</c>.</param>
    /// <param name="shape">The shape of the eventing part of the pipeline.</param>
    /// <param name="http2">Whether the request goes to the h2c endpoint (HTTP/2 exact) rather than the HTTP/1.1 one.</param>
    /// <param name="options">The eventing options, or <see langword="null"/> for the defaults.</param>
    /// <param name="method">The method, or <see langword="null"/> for GET.</param>
    /// <param name="content">The request content, or <see langword="null"/> for none.</param>
    /// <param name="listen">Attaches listeners to the call before the recorder's, when their order matters.</param>
    /// <param name="createCall">
    /// Whether the call is made by <see cref="HttpClientEventingExtensions.CreateCall(HttpClient, HttpRequestMessage)"/> on
    /// <see cref="Client"/> (AWS style: send it with <see cref="HttpCall.SendAsync"/>) rather than by <see cref="HttpCall.For"/>.
    /// </param>
    /// <param name="record">
    /// Whether an <see cref="EventRecorder"/> listens to the call; <see langword="false"/> for a test about a call with no
    /// listener of some event, or one that counts the listeners.
    /// </param>
    public static async Task<CallUnderTest> LoopbackAsync(
        string pathAndQuery,
        PipelineShape shape = PipelineShape.OneLayer,
        bool http2 = false,
        EventingOptions? options = null,
        HttpMethod? method = null,
        HttpContent? content = null,
        Action<HttpCall>? listen = null,
        bool createCall = false,
        bool record = true)
    {
        var server = await LoopbackServer.Shared;
        var request = server.Request(http2, pathAndQuery, method);
        request.Content = content;
        return new CallUnderTest(LoopbackVersions.EventingClient(http2, shape, options), request, server, listen, createCall, record);
    }

    /// <summary>
    /// Arranges a call over <paramref name="transport"/>, in memory as a rule (no sockets), or a <see cref="SocketsHttpHandler"/>
    /// the test configures itself: the client's pipeline is the eventing part in <paramref name="shape"/> over it, made by
    /// <see cref="EventingPipeline.Create"/>.
    /// </summary>
    /// <param name="transport">The innermost handler, which answers the request.</param>
    /// <param name="shape">The shape of the eventing part of the pipeline.</param>
    /// <param name="url">The request's URL.</param>
    /// <param name="options"><inheritdoc cref="LoopbackAsync" path="/param[@name='options']"/></param>
    /// <param name="method"><inheritdoc cref="LoopbackAsync" path="/param[@name='method']"/></param>
    /// <param name="content"><inheritdoc cref="LoopbackAsync" path="/param[@name='content']"/></param>
    /// <param name="listen"><inheritdoc cref="LoopbackAsync" path="/param[@name='listen']"/></param>
    /// <param name="createCall"><inheritdoc cref="LoopbackAsync" path="/param[@name='createCall']"/></param>
    /// <param name="record"><inheritdoc cref="LoopbackAsync" path="/param[@name='record']"/></param>
    public static CallUnderTest InMemory(
        HttpMessageHandler transport,
        PipelineShape shape = PipelineShape.OneLayer,
        string url = InMemoryUrl,
        EventingOptions? options = null,
        HttpMethod? method = null,
        HttpContent? content = null,
        Action<HttpCall>? listen = null,
        bool createCall = false,
        bool record = true)
    {
        var request = new HttpRequestMessage(method ?? HttpMethod.Get, url) { Content = content };
        return new CallUnderTest(new HttpClient(EventingPipeline.Create(transport, shape, options)), request, server: null, listen, createCall, record);
    }

    /// <summary>Sends <see cref="Request"/> through <see cref="Client"/>.</summary>
    public Task<HttpResponseMessage> SendAsync(HttpCompletionOption completionOption = HttpCompletionOption.ResponseContentRead) =>
        Client.SendAsync(Request, completionOption);

    /// <summary>Disposes the request and the client.</summary>
    public void Dispose()
    {
        Request.Dispose();
        Client.Dispose();
    }
}
