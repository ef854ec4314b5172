using System.Net;

namespace Handlers.Eventing.Internal;

/// <summary>
/// The response content the caller gets: the original content, unchanged in headers and bytes, read through a
/// <see cref="ResponseBody"/> on every path (stream reads, copies, and HttpClient's buffering).
/// </summary>
internal sealed class ObservedContent : HttpContent
{
    private readonly HttpContent _inner;

    public ObservedContent(HttpContent inner, HttpCall call, int attempt, bool endsCall)
    {
        _inner = inner;
        foreach (var header in inner.Headers.NonValidated)
        {
            Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        // Read after the copy: a length the inner content computes (rather than stores) is answered by TryComputeLength,
        // exactly as the inner content answers it, without materializing a header.
        Body = new ResponseBody(call, inner, inner.Headers.ContentLength, attempt, endsCall);
    }

    public ResponseBody Body { get; }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        Body.EnterRead();
        try
        {
            await _inner.CopyToAsync(new ObservingWriteStream(stream, Body), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Body.ThrowFailure(ex);
            throw;
        }

        Body.OnCopied();
    }

    protected override void SerializeToStream(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        Body.EnterRead();
        try
        {
            _inner.CopyTo(new ObservingWriteStream(stream, Body), context, cancellationToken);
        }
        catch (Exception ex)
        {
            Body.ThrowFailure(ex);
            throw;
        }

        Body.OnCopied();
    }

    protected override Task<Stream> CreateContentReadStreamAsync() => CreateContentReadStreamAsync(CancellationToken.None);

    protected override async Task<Stream> CreateContentReadStreamAsync(CancellationToken cancellationToken)
    {
        Body.ThrowIfFaulted();
        Stream stream;
        try
        {
            stream = await _inner.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            // An abort disposed the inner content meanwhile: throw what the abort ended the call with.
            Body.ThrowIfFaulted();
            throw;
        }

        Body.SetStream(stream);
        return new ObservedReadStream(stream, Body);
    }

    protected override Stream CreateContentReadStream(CancellationToken cancellationToken)
    {
        Body.ThrowIfFaulted();
        Stream stream;
        try
        {
            stream = _inner.ReadAsStream(cancellationToken);
        }
        catch (ObjectDisposedException)
        {
            Body.ThrowIfFaulted();
            throw;
        }

        Body.SetStream(stream);
        return new ObservedReadStream(stream, Body);
    }

    protected override bool TryComputeLength(out long length)
    {
        length = Body.Total ?? 0;
        return Body.Total is not null;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Exception? toThrow;
            try
            {
                toThrow = Body.OnDisposed();
            }
            finally
            {
                _inner.Dispose();
                base.Dispose(disposing);
            }

            if (toThrow is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(toThrow);
            }

            return;
        }

        base.Dispose(disposing);
    }
}
