using System.Net;

namespace Handlers.Eventing.Benchmarks.Infrastructure;

/// <summary>A terminal handler that answers every request in memory: no sockets, so only the pipeline is measured.</summary>
internal sealed class InMemoryHandler(Func<HttpRequestMessage, HttpContent> content, bool consumeRequestBody = false) : HttpMessageHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (consumeRequestBody && request.Content is { } body)
        {
            await body.CopyToAsync(Stream.Null, cancellationToken);
        }

        return new HttpResponseMessage(HttpStatusCode.OK) { Content = content(request), RequestMessage = request };
    }

    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (consumeRequestBody && request.Content is { } body)
        {
            body.CopyTo(Stream.Null, null, cancellationToken);
        }

        return new HttpResponseMessage(HttpStatusCode.OK) { Content = content(request), RequestMessage = request };
    }
}
