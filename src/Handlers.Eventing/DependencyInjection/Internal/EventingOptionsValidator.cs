using Microsoft.Extensions.Options;

namespace Handlers.Eventing.Internal;

/// <summary>Validates the <see cref="EventingOptions"/> of every client, with messages that name the client and the bad value.</summary>
internal sealed class EventingOptionsValidator : IValidateOptions<EventingOptions>
{
    public ValidateOptionsResult Validate(string? name, EventingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var client = string.IsNullOrEmpty(name) ? "the default client" : $"client '{name}'";
        if (options.ProgressThrottle?.Validate($"EventingOptions.ProgressThrottle of {client}") is { } error)
        {
            return ValidateOptionsResult.Fail(error);
        }

        return ValidateOptionsResult.Success;
    }
}
