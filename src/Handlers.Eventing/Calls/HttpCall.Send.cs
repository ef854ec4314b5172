using Handlers.Eventing.Internal;

namespace Handlers.Eventing;

// AWS-style send(): send, drive the body to its end through httpData, return the final response.
public partial class HttpCall
{
    private int _sendCalled;

    /// <summary>
    /// Sends the call (AWS <c>send()</c>), reads the response body to its end through <see cref="HttpEvents.HttpData"/>
    /// listeners, and returns the final <see cref="Response"/> once <see cref="HttpEvents.Complete"/> has been raised.
    /// </summary>
    /// <param name="cancellationToken">Cancels the call, body included.</param>
    /// <returns>The call's response: a non-success status returns normally with <see cref="HttpCallResponse.Error"/> set.</returns>
    /// <remarks>
    /// <para>
    /// By default the body is not kept: each chunk goes to the <see cref="HttpEvents.HttpData"/> listeners and is dropped,
    /// so memory stays flat whatever the size. Set <see cref="BufferResponseBody"/> to keep it in the response's content.
    /// </para>
    /// <para>
    /// <see cref="HttpClient.Timeout"/> applies to the whole call, body included. Throws what
    /// <see cref="HttpClient.SendAsync(HttpRequestMessage, CancellationToken)"/> would (transport failure, cancellation,
    /// timeout as a <see cref="TaskCanceledException"/> with a <see cref="TimeoutException"/> inside), the abort exception
    /// after <see cref="Abort"/>, and a listener's own exception when a listener throws.
    /// </para>
    /// </remarks>
    /// <exception cref="InvalidOperationException">
    /// The call has no client (it was made by <see cref="For"/>), was already sent, or the client's pipeline has no <see cref="EventingHandler"/>.
    /// </exception>
    public async Task<HttpCallResponse> SendAsync(CancellationToken cancellationToken = default)
    {
        if (_client is null)
        {
            throw new InvalidOperationException(
                "This call was made by HttpCall.For(request) and has no HttpClient to send it with. Send its Request with " +
                "HttpClient.SendAsync (the call raises its events there), or make the call with client.CreateCall(...) to use SendAsync.");
        }

        if (Interlocked.Exchange(ref _sendCalled, 1) != 0)
        {
            throw new InvalidOperationException(
                "SendAsync was already called on this call; an HttpCall is sent once. Make a new call with client.CreateCall(...) to send again.");
        }

        var timeout = _client.Timeout;
        using var timeoutCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (timeout != Timeout.InfiniteTimeSpan)
        {
            timeoutCts.CancelAfter(timeout);
        }

        var token = timeoutCts.Token;
        HttpResponseMessage? response = null;
        try
        {
            response = await _client.SendAsync(Request, HttpCompletionOption.ResponseHeadersRead, token).ConfigureAwait(false);
            if (!IsStarted)
            {
                throw new InvalidOperationException(
                    "The HttpClient that made this call has no EventingHandler in its pipeline, so the call raised no events. " +
                    "Build the client with new HttpClient(new EventingHandler(innerHandler)) or services.AddHttpClient(...).AddEventing().");
            }

            if (BufferResponseBody)
            {
                await response.Content.LoadIntoBufferAsync(token).ConfigureAwait(false);
            }
            else
            {
                // Copying into Stream.Null drives every chunk through httpData and keeps nothing. It takes the same copy
                // path as HttpClient's own buffering, so a mid-body failure surfaces as the same exception type.
                await response.Content.CopyToAsync(Stream.Null, token).ConfigureAwait(false);
            }

            response = null;
        }
        catch (Exception ex) when (!IsStarted)
        {
            // The request never reached the handler (a relative URI without BaseAddress, a disposed client, a pipeline without
            // an EventingHandler): this call ends here, with what the caller gets. A listener exception of its end wins.
            Fault.ThrowIfAny(EndNotSent(ex));
            throw;
        }
        catch (HttpRequestException ex) when (ex.InnerException is { } inner && ReferenceEquals(inner, Response.Error) && !ReferenceEquals(ex, inner))
        {
            // HttpContent's copy wraps an IOException a listener threw; the caller gets the listener's own object.
            Fault.Rethrow(inner);
            throw;
        }
        catch (OperationCanceledException ex) when (AbortException is { } aborted && !ReferenceEquals(ex, aborted))
        {
            throw aborted;
        }
        catch (OperationCanceledException ex) when (cancellationToken.IsCancellationRequested && ex.CancellationToken != cancellationToken)
        {
            // Cancelled by the caller, before the headers or while the body was read: the exception carries the token this
            // method linked, so it is wrapped in a fresh TaskCanceledException that carries the caller's, as HttpClient does.
            throw new TaskCanceledException(ex.Message, ex, cancellationToken);
        }
        catch (OperationCanceledException ex) when (timeoutCts.IsCancellationRequested && !cancellationToken.IsCancellationRequested
            && ex.InnerException is not TimeoutException)
        {
            throw new TaskCanceledException(
                $"The request was canceled due to the configured HttpClient.Timeout of {timeout.TotalSeconds} seconds elapsing.",
                new TimeoutException(ex.Message, ex));
        }
        finally
        {
            // Released on failure only: on success the caller keeps the response (headers, buffered content).
            response?.Dispose();
        }

        return Response;
    }
}
