using Microsoft.Extensions.Options;

namespace Handlers.Eventing.Internal;

/// <summary>Validates the <see cref="EventingOptions"/> of every client, with messages that name the client and the bad value.</summary>
internal sealed class EventingOptionsValidator : IValidateOptions<EventingOptions>
{
    public ValidateOptionsResult Validate(string? name, EventingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.ProgressThrottle?.Validate("EventingOptions.ProgressThrottle") is { } error)
        {
            var client = string.IsNullOrEmpty(name) ? "The default HttpClient" : $"HttpClient '{name}'";
            return ValidateOptionsResult.Fail($"{client}: {error}");
        }

        return ValidateOptionsResult.Success;
    }
}
