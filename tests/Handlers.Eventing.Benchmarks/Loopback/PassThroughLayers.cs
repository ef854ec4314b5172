using System.Net;

namespace Handlers.Eventing.Benchmarks.Loopback;

/// <summary>
/// Pipelines that do part of what the handler does, without eventing, to tell what a real-socket call costs per layer:
/// two async pass-through handlers (the call-level and attempt-level parts), and the same with the response content
/// replaced by a plain forwarding wrapper (what the body observation needs at least).
/// </summary>
internal static class PassThroughLayers
{
    public static HttpMessageHandler TwoAsyncLayers(HttpMessageHandler inner) =>
        new AsyncPassThrough { InnerHandler = new AsyncPassThrough { InnerHandler = inner } };

    public static HttpMessageHandler TwoAsyncLayersAndContentWrapper(HttpMessageHandler inner) =>
        new AsyncPassThrough { InnerHandler = new AsyncPassThrough(wrapContent: true) { InnerHandler = inner } };

    private sealed class AsyncPassThrough(bool wrapContent = false) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (wrapContent)
            {
                response.Content = new ForwardingContent(response.Content);
            }

            return response;
        }
    }

    private sealed class ForwardingContent : HttpContent
    {
        private readonly HttpContent _inner;

        public ForwardingContent(HttpContent inner)
        {
            _inner = inner;
            foreach (var header in inner.Headers.NonValidated)
            {
                Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => _inner.CopyToAsync(stream);

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken) =>
            _inner.CopyToAsync(stream, cancellationToken);

        protected override Task<Stream> CreateContentReadStreamAsync() => _inner.ReadAsStreamAsync();

        protected override bool TryComputeLength(out long length)
        {
            length = _inner.Headers.ContentLength ?? 0;
            return _inner.Headers.ContentLength is not null;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
