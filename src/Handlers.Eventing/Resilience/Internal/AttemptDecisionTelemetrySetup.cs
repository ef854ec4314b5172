using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly.Telemetry;

namespace Handlers.Eventing.Internal;

/// <summary>
/// Adds <see cref="AttemptDecisionListener"/> to Polly's <see cref="TelemetryOptions"/>, which every pipeline built by Polly's
/// dependency injection applies (<c>AddResiliencePipeline</c>, and so <c>AddStandardResilienceHandler</c>,
/// <c>AddResilienceHandler</c> and <c>AddStandardHedgingHandler</c>).
/// </summary>
internal sealed class AttemptDecisionTelemetrySetup : IConfigureOptions<TelemetryOptions>
{
    private readonly AttemptDecisionListener _listener;

    /// <summary>Creates the setup, with the one listener it adds to the telemetry options of this service provider.</summary>
    /// <param name="loggerFactory">Creates the listener's logger (<see cref="AttemptDecisionListener.LoggerCategory"/>).</param>
    public AttemptDecisionTelemetrySetup(ILoggerFactory loggerFactory)
    {
        _listener = new AttemptDecisionListener(loggerFactory.CreateLogger(AttemptDecisionListener.LoggerCategory));
    }

    /// <summary>Registers the setup once, however many clients turn eventing on.</summary>
    /// <param name="services">The services of the client builder.</param>
    public static void Register(IServiceCollection services) =>
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<TelemetryOptions>, AttemptDecisionTelemetrySetup>());

    /// <inheritdoc/>
    public void Configure(TelemetryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        foreach (var listener in options.TelemetryListeners)
        {
            if (listener is AttemptDecisionListener)
            {
                return;
            }
        }

        options.TelemetryListeners.Add(_listener);
    }
}
