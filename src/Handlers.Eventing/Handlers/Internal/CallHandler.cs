using System.Diagnostics;

namespace Handlers.Eventing.Internal;

/// <summary>
/// The call-level part of eventing, outermost in the pipeline: starts the call (options, client-level listeners, the library's
/// observers, a token <see cref="HttpCall.Abort"/> cancels), hands the returned response to the call, and reports a failed
/// send. Everything in between — retries, hedging, the <see cref="AttemptHandler"/> — runs inside it. A factory pipeline uses
/// it when handlers sit between the two parts; with nothing between them, one <see cref="EventingHandler"/> does both jobs.
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

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        SendCoreAsync(request, async: true, cancellationToken);

    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken) =>
        SendCoreAsync(request, async: false, cancellationToken).GetAwaiter().GetResult();

    private async Task<HttpResponseMessage> SendCoreAsync(HttpRequestMessage request, bool async, CancellationToken cancellationToken)
    {
        var call = HttpCall.For(request);

        // An activity the call starts is current while its attempts are sent; an async method puts the caller's back when it
        // returns, the synchronous path does it by hand.
        var activity = Activity.Current;
        if (!call.TryStart(_options, _services, ref cancellationToken))
        {
            // An outer handler already runs this call.
            return async ? await base.SendAsync(request, cancellationToken).ConfigureAwait(false) : base.Send(request, cancellationToken);
        }

        // Stryker disable once Equality : HttpCall.EnableResume checks the same option and keeps nothing for 0 resumes: the mutant only allocates the closure
        if (_options.ResponseBody.MaxResumeAttempts > 0)
        {
            call.EnableResume((resume, token) => base.SendAsync(resume, token));
        }

        HttpResponseMessage response;
        try
        {
            response = async ? await base.SendAsync(request, cancellationToken).ConfigureAwait(false) : base.Send(request, cancellationToken);
        }
        catch (Exception ex)
        {
            call.OnSendFailed(ex);
            throw;
        }
        finally
        {
            if (!async)
            {
                Activity.Current = activity;
            }
        }

        return call.OnResponse(response);
    }
}
