using System.Net;

namespace Handlers.Eventing.Tests.Infrastructure;

/// <summary>
/// The two shapes a pipeline with eventing takes: one handler layer (a hand-built <see cref="EventingHandler"/>, or a factory
/// client with no handler of its own), or the call part and the attempt part with a handler between them.
/// </summary>
public enum PipelineShape
{
    OneLayer,
    TwoParts,
}

/// <summary>Clients and requests for the <see cref="LoopbackServer"/> over HTTP/1.1 or h2c (HTTP/2 with prior knowledge).</summary>
public static class LoopbackVersions
{
    /// <summary>Returns a client over <paramref name="handler"/> whose default request version is HTTP/2 (exact) or HTTP/1.1.</summary>
    public static HttpClient Client(bool http2, HttpMessageHandler handler) => Configure(new HttpClient(handler), http2);

    /// <summary>Returns a client with an <see cref="EventingHandler"/> over a new <see cref="SocketsHttpHandler"/>.</summary>
    public static HttpClient EventingClient(bool http2, EventingOptions? options = null) =>
        Client(http2, options is null ? new EventingHandler(new SocketsHttpHandler()) : new EventingHandler(new SocketsHttpHandler(), options));

    /// <summary>
    /// Returns a client whose pipeline has <paramref name="shape"/>: for <see cref="PipelineShape.TwoParts"/>, the composition
    /// the factory's filter makes when a handler sits between (call part, a pass-through handler, attempt part, transport).
    /// </summary>
    public static HttpClient EventingClient(bool http2, PipelineShape shape, EventingOptions? options = null) =>
        Client(http2, EventingPipeline.Create(new SocketsHttpHandler(), shape, options));

    /// <summary>Sets the client's timeout and default request version for <paramref name="http2"/>.</summary>
    public static HttpClient Configure(HttpClient client, bool http2)
    {
        client.Timeout = TestTimeouts.Default;
        client.DefaultRequestVersion = http2 ? HttpVersion.Version20 : HttpVersion.Version11;
        client.DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        return client;
    }

    /// <summary>Returns a URI on the h2c or the HTTP/1.1 endpoint.</summary>
    public static Uri Url(this LoopbackServer server, bool http2, string pathAndQuery) =>
        http2 ? server.Http2Url(pathAndQuery) : server.Url(pathAndQuery);

    /// <summary>Returns a request with the version and policy that the endpoint needs.</summary>
    public static HttpRequestMessage Request(this LoopbackServer server, bool http2, string pathAndQuery, HttpMethod? method = null) =>
        new(method ?? HttpMethod.Get, server.Url(http2, pathAndQuery))
        {
            Version = http2 ? HttpVersion.Version20 : HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
}
