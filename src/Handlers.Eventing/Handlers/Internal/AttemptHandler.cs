namespace Handlers.Eventing.Internal;

/// <summary>
/// The attempt-level part of eventing, innermost in the pipeline (next to the primary handler): starts an attempt of the
/// request's call, observes its request body and its response, and reports a failed send. Every retry or hedged attempt
/// that a handler above it makes passes through it again. A factory pipeline uses it when handlers sit between it and the
/// <see cref="CallHandler"/>; with nothing between them, one <see cref="EventingHandler"/> does both jobs in one layer.
/// </summary>
internal sealed class AttemptHandler : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        SendCoreAsync(request, async: true, cancellationToken);

    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken) =>
        SendCoreAsync(request, async: false, cancellationToken).GetAwaiter().GetResult();

    private async Task<HttpResponseMessage> SendCoreAsync(HttpRequestMessage request, bool async, CancellationToken cancellationToken)
    {
        if (!HttpCall.TryGet(request, out var call) || !call.IsStarted || call.BeginAttempt(request) is not { } attempt)
        {
            // No call-level handler started a call for this request, or the call already ended: nothing to report to.
            return async ? await base.SendAsync(request, cancellationToken).ConfigureAwait(false) : base.Send(request, cancellationToken);
        }

        attempt.StartTimer();
        HttpResponseMessage response;
        try
        {
            response = async ? await base.SendAsync(request, cancellationToken).ConfigureAwait(false) : base.Send(request, cancellationToken);
        }
        catch (Exception ex)
        {
            attempt.OnSendFailed(ex);
            throw;
        }
        finally
        {
            attempt.OnSendReturned();
        }

        return attempt.OnHeaders(response);
    }
}
