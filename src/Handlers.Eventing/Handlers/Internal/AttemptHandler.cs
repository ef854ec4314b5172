namespace Handlers.Eventing.Internal;

/// <summary>
/// The attempt-level part of eventing, innermost in the pipeline (next to the primary handler): starts an attempt of the
/// request's call, observes its request body and its response, and reports a failed send. Every retry or hedged attempt
/// that a handler above it makes passes through it again.
/// </summary>
internal sealed class AttemptHandler : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!HttpCall.TryGet(request, out var call) || !call.IsStarted || call.BeginAttempt(request) is not { } attempt)
        {
            // No call-level handler started a call for this request, or the call already ended: nothing to report to.
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }

        attempt.StartTimer();
        HttpResponseMessage response;
        try
        {
            response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            attempt.OnSendFailed(ex);
            throw;
        }
        finally
        {
            attempt.RestoreRequestContent();
        }

        return attempt.OnHeaders(response);
    }

    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!HttpCall.TryGet(request, out var call) || !call.IsStarted || call.BeginAttempt(request) is not { } attempt)
        {
            return base.Send(request, cancellationToken);
        }

        attempt.StartTimer();
        HttpResponseMessage response;
        try
        {
            response = base.Send(request, cancellationToken);
        }
        catch (Exception ex)
        {
            attempt.OnSendFailed(ex);
            throw;
        }
        finally
        {
            attempt.RestoreRequestContent();

            // Nothing undoes the timer's flow on the synchronous path: the caller's flow must not keep it.
            attempt.Timer?.RestoreFlow();
        }

        return attempt.OnHeaders(response);
    }
}
