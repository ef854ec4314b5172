using System.Net;

namespace Handlers.Eventing.Internal;

/// <summary>
/// Wraps a request's content while an attempt sends it, so that a <see cref="RequestBodyObserver"/> sees the bytes handed to
/// the transport. Headers and bytes are the original's; the attempt puts the original back on the request afterwards.
/// </summary>
internal sealed class ObservedRequestContent : HttpContent
{
    private readonly HttpContent _inner;
    private readonly RequestBodyObserver _observer;

    public ObservedRequestContent(HttpContent inner, RequestBodyObserver observer)
    {
        _inner = inner;
        _observer = observer;
        foreach (var header in inner.Headers.NonValidated)
        {
            Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        Headers.ContentLength = observer.Total;
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        _observer.Restart();
        await _inner.CopyToAsync(new RequestCopyStream(stream, _observer), cancellationToken).ConfigureAwait(false);
        _observer.OnSerialized();
    }

    protected override void SerializeToStream(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        _observer.Restart();
        _inner.CopyTo(new RequestCopyStream(stream, _observer), context, cancellationToken);
        _observer.OnSerialized();
    }

    protected override bool TryComputeLength(out long length)
    {
        length = _observer.Total ?? 0;
        return _observer.Total is not null;
    }

    // The original content belongs to the request: it is put back and disposed with it, never through this wrapper.
    protected override void Dispose(bool disposing) => base.Dispose(disposing);
}
