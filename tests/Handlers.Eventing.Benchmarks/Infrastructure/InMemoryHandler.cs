using System.Net;

namespace Handlers.Eventing.Benchmarks.Infrastructure;

/// <summary>
/// A terminal handler that answers every request in memory: no sockets, so only the pipeline is measured. With
/// <c>consumeRequestBody</c> it copies the request body into a <see cref="CopySinkStream"/>, as a transport would.
/// </summary>
internal sealed class InMemoryHandler(Func<HttpRequestMessage, HttpContent> content, bool consumeRequestBody = false) : HttpMessageHandler
{
    private readonly CopySinkStream _sink = new();

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (consumeRequestBody && request.Content is { } body)
        {
            await body.CopyToAsync(_sink, cancellationToken);
        }

        return new HttpResponseMessage(HttpStatusCode.OK) { Content = content(request), RequestMessage = request };
    }

    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (consumeRequestBody && request.Content is { } body)
        {
            body.CopyTo(_sink, null, cancellationToken);
        }

        return new HttpResponseMessage(HttpStatusCode.OK) { Content = content(request), RequestMessage = request };
    }
}
