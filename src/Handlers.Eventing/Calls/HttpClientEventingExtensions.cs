namespace Handlers.Eventing;

/// <summary>Creates AWS-style calls on an <see cref="HttpClient"/> whose pipeline holds an <see cref="EventingHandler"/>.</summary>
public static class HttpClientEventingExtensions
{
    /// <summary>Creates a call for a new request: register listeners, then <see cref="HttpCall.SendAsync"/>.</summary>
    /// <param name="client">The client that sends the call; its pipeline must hold an <see cref="EventingHandler"/>.</param>
    /// <param name="method">The HTTP method.</param>
    /// <param name="requestUri">The request URI, absolute or relative to <see cref="HttpClient.BaseAddress"/>.</param>
    /// <returns>The new call, not sent yet.</returns>
    /// <remarks>
    /// The request is built as <see cref="HttpClient"/>'s own helpers build theirs: with the client's
    /// <see cref="HttpClient.DefaultRequestVersion"/> and <see cref="HttpClient.DefaultVersionPolicy"/>.
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="client"/>, <paramref name="method"/> or <paramref name="requestUri"/> is <see langword="null"/>.</exception>
    public static HttpCall CreateCall(this HttpClient client, HttpMethod method, string requestUri)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(requestUri);
        return HttpCall.Create(client, CreateRequest(client, method, new Uri(requestUri, UriKind.RelativeOrAbsolute)));
    }

    /// <summary>Creates a call for a new request: register listeners, then <see cref="HttpCall.SendAsync"/>.</summary>
    /// <param name="client">The client that sends the call; its pipeline must hold an <see cref="EventingHandler"/>.</param>
    /// <param name="method">The HTTP method.</param>
    /// <param name="requestUri">The request URI, absolute or relative to <see cref="HttpClient.BaseAddress"/>.</param>
    /// <returns>The new call, not sent yet.</returns>
    /// <remarks>
    /// The request is built as <see cref="HttpClient"/>'s own helpers build theirs: with the client's
    /// <see cref="HttpClient.DefaultRequestVersion"/> and <see cref="HttpClient.DefaultVersionPolicy"/>.
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="client"/>, <paramref name="method"/> or <paramref name="requestUri"/> is <see langword="null"/>.</exception>
    public static HttpCall CreateCall(this HttpClient client, HttpMethod method, Uri requestUri)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(requestUri);
        return HttpCall.Create(client, CreateRequest(client, method, requestUri));
    }

    /// <summary>Creates a call for <paramref name="request"/>: register listeners, then <see cref="HttpCall.SendAsync"/>.</summary>
    /// <param name="client">The client that sends the call; its pipeline must hold an <see cref="EventingHandler"/>.</param>
    /// <param name="request">A request that has no call yet; <see cref="HttpCall.For"/> returns the new call for it.</param>
    /// <returns>The new call, not sent yet.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="client"/> or <paramref name="request"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="request"/> already has a call.</exception>
    public static HttpCall CreateCall(this HttpClient client, HttpRequestMessage request) => HttpCall.Create(client, request);

    private static HttpRequestMessage CreateRequest(HttpClient client, HttpMethod method, Uri requestUri) =>
        new(method, requestUri) { Version = client.DefaultRequestVersion, VersionPolicy = client.DefaultVersionPolicy };
}
