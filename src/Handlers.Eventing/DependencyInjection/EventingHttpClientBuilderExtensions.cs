using Handlers.Eventing;
using Handlers.Eventing.Internal;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds <see cref="HttpCall"/> events to the clients of <c>IHttpClientFactory</c>.</summary>
public static class EventingHttpClientBuilderExtensions
{
    /// <summary>Raises <see cref="HttpCall"/> events for every request of the client, with the default options.</summary>
    /// <param name="builder">The client's builder, from <c>AddHttpClient(...)</c> or <c>ConfigureHttpClientDefaults(...)</c>.</param>
    /// <returns>The same builder, for chaining.</returns>
    /// <remarks>
    /// <para>
    /// The handler is placed in two parts, whatever the order in which this and the other handlers are registered: the
    /// call-level part outermost (it starts the call, applies the client-level listeners and ends the call exactly once) and
    /// the attempt-level part innermost, next to the primary handler (it raises the per-attempt events). A retry handler in
    /// the pipeline therefore shows as attempts 1, 2, ... with <see cref="HttpEvents.Retry"/> before each new one, and one
    /// <see cref="HttpEvents.Success"/>/<see cref="HttpEvents.Error"/> and <see cref="HttpEvents.Complete"/> per call.
    /// </para>
    /// <para>
    /// Calling it again for the same client adds no second handler. A new handler instance is made each time the factory
    /// builds the client's pipeline.
    /// </para>
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    public static IHttpClientBuilder AddEventing(this IHttpClientBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return AddEventingCore(builder, static options => options.Enabled = true);
    }

    /// <summary>Raises <see cref="HttpCall"/> events for every request of the client, with options.</summary>
    /// <param name="builder">The client's builder, from <c>AddHttpClient(...)</c> or <c>ConfigureHttpClientDefaults(...)</c>.</param>
    /// <param name="configure">
    /// Configures the client's options (named after the client): client-level listeners with
    /// <see cref="EventingOptions.OnCall(Action{HttpCall})"/>, <see cref="EventingOptions.LogLifecycle"/>,
    /// <see cref="EventingOptions.ProgressThrottle"/>, the success predicate and the listener-exception policy.
    /// </param>
    /// <returns>The same builder, for chaining.</returns>
    /// <remarks>
    /// See <see cref="AddEventing(IHttpClientBuilder)"/> for where the handler goes. Each call adds <paramref name="configure"/>
    /// to the client's options (as <c>services.Configure&lt;EventingOptions&gt;(name, configure)</c> would); the options are
    /// validated when the client is first created, and at host start for a named client.
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="configure"/> is <see langword="null"/>.</exception>
    public static IHttpClientBuilder AddEventing(this IHttpClientBuilder builder, Action<EventingOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        return AddEventingCore(builder, options =>
        {
            options.Enabled = true;
            configure(options);
        });
    }

    private static IHttpClientBuilder AddEventingCore(IHttpClientBuilder builder, Action<EventingOptions> configure)
    {
        var services = builder.Services;
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHttpMessageHandlerBuilderFilter, EventingHandlerBuilderFilter>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EventingOptions>, EventingOptionsValidator>());
        AttemptDecisionTelemetrySetup.Register(services);
        if (builder.Name is null)
        {
            // ConfigureHttpClientDefaults: every client, whatever its name.
            services.ConfigureAll(configure);
        }
        else
        {
            services.AddOptions<EventingOptions>(builder.Name).Configure(configure).ValidateOnStart();
        }

        return builder;
    }
}
