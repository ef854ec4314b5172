using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
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
    /// <summary>Registers the setup once, however many clients turn eventing on.</summary>
    /// <param name="services">The services of the client builder.</param>
    public static void Register(IServiceCollection services) =>
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<TelemetryOptions>, AttemptDecisionTelemetrySetup>());

    /// <inheritdoc/>
    public void Configure(TelemetryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.TelemetryListeners.Contains(AttemptDecisionListener.Instance))
        {
            options.TelemetryListeners.Add(AttemptDecisionListener.Instance);
        }
    }
}
