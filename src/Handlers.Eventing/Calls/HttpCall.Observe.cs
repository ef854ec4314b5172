using Handlers.Eventing.Internal;

namespace Handlers.Eventing;

// Reaching calls whose request the caller never holds (typed clients: Refit, Kiota, Flurl, generated SDKs): ambient scopes
// (Observe) and the request option (HttpCallRequestOptions.Configure). Both are applied once per call, when it starts (TryStart),
// after the client-level OnCall configurations: OnCall, then the scopes outer first, then the request option.
public sealed partial class HttpCall
{
    /// <summary>The key a <c>configure</c> exception is reported with when listener exceptions are isolated.</summary>
    private static readonly EventKey<HttpCall> s_configureKey = new("configure");

    /// <summary>
    /// Configures every call that starts in this async flow until the returned scope is disposed: <paramref name="configure"/>
    /// is passed each such call before its first event. Use it to reach calls whose request you never hold — those a typed
    /// client (Refit, Kiota, Flurl, a generated SDK) builds inside its own methods.
    /// </summary>
    /// <param name="configure">Adds listeners to a call, for example <c>call =&gt; call.ReportDownloadProgress(bar)</c>.</param>
    /// <returns>The scope; dispose it to stop configuring calls that start later.</returns>
    /// <remarks>
    /// <para>
    /// A call starts when its request enters the call-level part of eventing (the <see cref="EventingHandler"/>, or the part
    /// <c>AddEventing()</c> puts outermost); a client without eventing is not reached. <paramref name="configure"/> runs once per
    /// call — not per attempt of a retry — on the thread that sends it, after the client-level
    /// <see cref="EventingOptions.OnCall(Action{HttpCall})"/> configurations and before the request option
    /// <see cref="HttpCallRequestOptions.Configure"/>; its listeners run after the listeners the caller added through
    /// <see cref="For"/> before sending.
    /// </para>
    /// <para>
    /// The scope flows like an <see cref="AsyncLocal{T}"/>: into awaits and <see cref="Task.Run(Action)"/> started inside it, not
    /// into flows started elsewhere, nor back to the caller of an <see langword="async"/> method that opened it. Scopes nest,
    /// the outer one configuring first. Disposing a scope stops it for calls that start later, in every flow it reached, and
    /// never removes the listeners it already added; disposing it again does nothing. Disposed out of order, a scope stops
    /// alone: an outer scope disposed first stops configuring, the inner one goes on until it is disposed.
    /// </para>
    /// <para>
    /// A scope configures the calls its own code starts, not the calls started while one of the library's calls runs in that
    /// flow: a handler of the pipeline that sends a request of its own (an auth handler fetching a token), or a listener of a
    /// call that starts one (inline or in a task), is not configured by it.
    /// </para>
    /// <para>
    /// A <paramref name="configure"/> that throws fails the call as a listener exception does: the send throws that exception
    /// object, and the call raises <see cref="HttpEvents.Error"/> and <see cref="HttpEvents.Complete"/> (no
    /// <see cref="HttpEvents.HttpError"/>). With <see cref="EventingOptions.IsolateListenerExceptions"/>, it is passed to
    /// <see cref="EventingOptions.ListenerExceptionHandler"/> with an event key named <c>configure</c> instead, and the call goes on.
    /// </para>
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="configure"/> is <see langword="null"/>.</exception>
    public static IDisposable Observe(Action<HttpCall> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        return ObserveScope.Open(configure);
    }

    /// <summary>
    /// Passes the starting call to its configurations, in order: the client-level ones (<paramref name="options"/>), the
    /// <see cref="Observe"/> scopes of the flow (outer first), the request option. Takes the scopes off the flow first, for the
    /// rest of the calling <see langword="async"/> method (the pipeline below): the calls a handler or a configuration starts
    /// are not the scope's. Every configuration runs even when one throws.
    /// </summary>
    /// <returns>The exceptions of the configurations that threw, or <see langword="null"/>.</returns>
    private List<Exception>? ApplyConfigurations(EventingOptions options, IServiceProvider? services)
    {
        List<Exception>? failures = null;
        var scopes = ObserveScope.OnFlow;
        if (scopes is not null)
        {
            ObserveScope.HideFromFlow();
        }

        if (options.CallConfigurations.Count > 0)
        {
            ApplyCallConfigurations(options, services, ref failures);
        }

        ObserveScope.Configure(scopes, this, ref failures);
        if (Request.Options.TryGetValue(HttpCallRequestOptions.Configure, out var configure))
        {
            try
            {
                configure(this);
            }
            catch (Exception ex)
            {
                (failures ??= []).Add(ex);
            }
        }

        return failures;
    }

    /// <summary>
    /// Fails the starting call with the first exception of its configurations, as a listener exception: ends it (error, complete)
    /// and throws that exception, or a listener exception of the end. The others are reported; isolated, all are, and the call
    /// goes on.
    /// </summary>
    private void OnConfigureFailed(List<Exception> failures)
    {
        var first = Isolate(s_configureKey, failures[0]);
        for (var i = 1; i < failures.Count; i++)
        {
            Report(s_configureKey, failures[i]);
        }

        if (first is not null)
        {
            OnSendFailed(first);
            Fault.Rethrow(first);
        }
    }

    /// <summary>Runs the client-level configurations (<see cref="EventingOptions.OnCall(Action{HttpCall})"/>): their listeners go before the call's own.</summary>
    private void ApplyCallConfigurations(EventingOptions options, IServiceProvider? services, ref List<Exception>? failures)
    {
        BeginFrontInsertion();
        try
        {
            foreach (var configure in options.CallConfigurations)
            {
                try
                {
                    configure(this, services);
                }
                catch (Exception ex)
                {
                    (failures ??= []).Add(ex);
                }
            }
        }
        finally
        {
            EndFrontInsertion();
        }
    }
}
