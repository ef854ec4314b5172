using System.Net;
using System.Buffers;

namespace Handlers.Eventing.Internal;

// The caller's copies of the body (HttpContent.CopyToAsync / CopyTo, and HttpClient's buffering): the source's content is
// copied into a ResponseCopyStream, which reports each chunk before passing it on. A copy is one pending read from its
// start to its end.
internal sealed partial class ResponseBodyObserver
{
    private const int CopyBufferSize = 81920;

    /// <summary>Copies the body into <paramref name="destination"/>; the transport's own copy, with a token <see cref="Abort"/> cancels.</summary>
    public async Task CopyToAsync(Stream destination, CancellationToken cancellationToken)
    {
        EnterRead();
        var copy = new ResponseCopyStream(destination, this);
        while (true)
        {
            try
            {
                await _source.Content.CopyToAsync(copy, ReadToken(cancellationToken)).ConfigureAwait(false);
                break;
            }
            catch (Exception ex)
            {
                if (!await TryResumeAsync(ex, cancellationToken, openStream: false, async: true).ConfigureAwait(false))
                {
                    ThrowFailure(ex, cancellationToken);
                    throw;
                }

                // Resumed: the copy goes on from the new source's first byte.
            }
        }

        OnCopied();
    }

    /// <summary>
    /// Copies the body synchronously, read by read rather than by the content's own synchronous copy, which takes no token
    /// once it started: each read is one that <see cref="Abort"/> and the caller's token end at once (<see cref="ReadBlocking"/>).
    /// </summary>
    public void CopyTo(Stream destination, CancellationToken cancellationToken)
    {
        EnterRead();
        var buffer = ArrayPool<byte>.Shared.Rent(CopyBufferSize);
        try
        {
            var copy = new ResponseCopyStream(destination, this);
            while (!CopySource(copy, buffer, cancellationToken))
            {
                // Resumed: the copy goes on from the new source's first byte.
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        OnCopied();
    }

    /// <summary>Copies the current source to its end (<see langword="true"/>), or resumes after it failed (<see langword="false"/>).</summary>
    private bool CopySource(ResponseCopyStream copy, byte[] buffer, CancellationToken cancellationToken)
    {
        // A source resumed under a decoder goes on from the stream already open (the decoder's state is in it).
        var source = _source.Stream;
        try
        {
            if (source is null)
            {
                source = _source.Content.ReadAsStream(cancellationToken);
                _source.SetStream(source);
            }

            int read;
            while ((read = ReadForCopy(source, buffer, cancellationToken)) != 0)
            {
                copy.Write(buffer, 0, read);
            }
        }
        catch (Exception ex)
        {
            if (!TryResumeAsync(ex, cancellationToken, openStream: false, async: false).GetAwaiter().GetResult())
            {
                // Stryker disable once Statement : HttpClient disposes the response whose buffering failed, which releases the source as well; this only releases it first
                source?.Dispose();
                ThrowFailure(ex, cancellationToken);
                throw;
            }

            return false;
        }

        source.Dispose();
        return true;
    }

    /// <summary>
    /// Reads for the synchronous copy, failing as the content's own <see cref="HttpContent.CopyTo(Stream, TransportContext?, CancellationToken)"/>
    /// would: an <see cref="IOException"/> or <see cref="ObjectDisposedException"/> of the source comes wrapped in an
    /// <see cref="HttpRequestException"/> (with the <see cref="HttpRequestError"/> of an <see cref="HttpIOException"/>), so
    /// that the call records the object the caller gets.
    /// </summary>
    private int ReadForCopy(Stream source, byte[] buffer, CancellationToken cancellationToken)
    {
        try
        {
            return ReadBlocking(source, buffer, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            throw new HttpRequestException(
                ex is HttpIOException io ? io.HttpRequestError : HttpRequestError.Unknown, "Error while copying content to a stream.", ex);
        }
    }
}
