using System.Net;

namespace Handlers.Eventing.Internal;

/// <summary>
/// Wraps a request's content while an attempt sends it, to raise <see cref="HttpEvents.HttpUploadProgress"/> as bytes are
/// handed to the transport. Headers and bytes are the original's; the original is put back on the request after the attempt.
/// </summary>
internal sealed class UploadProgressContent : HttpContent
{
    /// <summary>Slice size for large writes, so that one big in-memory body still reports as it goes.</summary>
    internal const int SliceSize = 64 * 1024;

    private readonly HttpContent _inner;
    private readonly HttpCall _call;
    private readonly int _attempt;
    private readonly long? _total;
    private long _loaded;
    private bool _reported;

    public UploadProgressContent(HttpContent inner, HttpCall call, int attempt)
    {
        _inner = inner;
        _call = call;
        _attempt = attempt;
        foreach (var header in inner.Headers.NonValidated)
        {
            Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        _total = inner.Headers.ContentLength;
        Headers.ContentLength = _total;
    }

    /// <summary>Counts bytes handed to the transport and reports them; throws a listener's exception.</summary>
    internal void Report(int count)
    {
        _loaded += count;
        _reported = true;
        _call.Response.BytesSent = _loaded;
        if (_call.RaiseAttemptEvent(HttpEvents.HttpUploadProgress, new HttpProgress(_loaded, _total, _attempt)) is { } failure)
        {
            _call.MarkListenerFailure(failure);
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        Restart();
        await _inner.CopyToAsync(new UploadProgressStream(stream, this), cancellationToken).ConfigureAwait(false);
        ReportEmptyBody();
    }

    protected override void SerializeToStream(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        Restart();
        _inner.CopyTo(new UploadProgressStream(stream, this), context, cancellationToken);
        ReportEmptyBody();
    }

    protected override bool TryComputeLength(out long length)
    {
        length = _total ?? 0;
        return _total is not null;
    }

    // The original content belongs to the request: it is put back and disposed with it, never through this wrapper.
    protected override void Dispose(bool disposing) => base.Dispose(disposing);

    private void Restart()
    {
        _loaded = 0;
        _reported = false;
    }

    private void ReportEmptyBody()
    {
        if (!_reported)
        {
            Report(0);
        }
    }
}
