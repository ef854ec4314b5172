using System.Diagnostics;

namespace Handlers.Eventing.Internal;

/// <summary>
/// The call-level part of eventing, outermost in the pipeline: starts the call (options, client-level listeners, the library's
/// observers, a token <see cref="HttpCall.Abort"/> cancels), hands the returned response to the call, and reports a failed
/// send. Everything in between — retries, hedging, the attempt-level part — runs inside it.
/// </summary>
internal sealed class CallHandler : DelegatingHandler
{
    private readonly EventingOptions _options;
    private readonly IServiceProvider? _services;

    public CallHandler(EventingOptions options, IServiceProvider? services)
    {
        _options = options;
        _services = services;
    }

    /// <summary>Sends through this handler; lets <see cref="EventingHandler"/> compose it.</summary>
    internal Task<HttpResponseMessage> SendCoreAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        SendAsync(request, cancellationToken);

    /// <summary>Sends through this handler synchronously; lets <see cref="EventingHandler"/> compose it.</summary>
    internal HttpResponseMessage SendCore(HttpRequestMessage request, CancellationToken cancellationToken) =>
        Send(request, cancellationToken);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var call = HttpCall.For(request);
        if (!call.TryStart(_options, _services, ref cancellationToken))
        {
            // An outer handler already runs this call.
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }

        HttpResponseMessage response;
        try
        {
            response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            call.OnSendFailed(ex);
            throw;
        }

        return call.OnResponse(response);
    }

    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var call = HttpCall.For(request);

        // An activity the call starts is current while its attempts are sent: the async twin's state machine scopes it, here
        // it is put back by hand.
        var activity = Activity.Current;
        if (!call.TryStart(_options, _services, ref cancellationToken))
        {
            return base.Send(request, cancellationToken);
        }

        HttpResponseMessage response;
        try
        {
            response = base.Send(request, cancellationToken);
        }
        catch (Exception ex)
        {
            call.OnSendFailed(ex);
            throw;
        }
        finally
        {
            Activity.Current = activity;
        }

        return call.OnResponse(response);
    }
}
