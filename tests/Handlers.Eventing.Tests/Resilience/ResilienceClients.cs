using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace Handlers.Eventing.Tests.Resilience;

/// <summary>How a test registers eventing and the resilience handler.</summary>
public enum Registration
{
    /// <summary><c>AddHttpClient(name).AddEventing().AddStandardResilienceHandler()</c>.</summary>
    EventingFirst,

    /// <summary><c>AddHttpClient(name).AddStandardResilienceHandler().AddEventing()</c>.</summary>
    ResilienceFirst,

    /// <summary><c>ConfigureHttpClientDefaults(b => b.AddStandardResilienceHandler().AddEventing())</c>, then a named client.</summary>
    ClientDefaults,
}

/// <summary>Builds factory clients with eventing and Microsoft.Extensions.Http.Resilience in every registration order.</summary>
public static class ResilienceClients
{
    public const string Name = "resilient";

    public static TheoryData<Registration> Registrations => new() { Registration.EventingFirst, Registration.ResilienceFirst, Registration.ClientDefaults };

    /// <summary>Builds the services: <paramref name="addResilience"/> adds the resilience handler(s) to the client's builder.</summary>
    public static ServiceProvider Build(Registration registration, Action<IHttpClientBuilder> addResilience, Action<IServiceCollection>? services = null)
    {
        var collection = new ServiceCollection();
        services?.Invoke(collection);
        switch (registration)
        {
            case Registration.EventingFirst:
                addResilience(collection.AddHttpClient(Name).AddEventing());
                break;
            case Registration.ResilienceFirst:
                var builder = collection.AddHttpClient(Name);
                addResilience(builder);
                builder.AddEventing();
                break;
            default:
                collection.ConfigureHttpClientDefaults(b =>
                {
                    addResilience(b);
                    b.AddEventing();
                });
                collection.AddHttpClient(Name);
                break;
        }

        return collection.BuildServiceProvider();
    }

    public static HttpClient CreateClient(this IServiceProvider provider) =>
        provider.GetRequiredService<IHttpClientFactory>().CreateClient(Name);

    /// <summary>Retries at once, with no jitter: the attempts follow each other without a delay.</summary>
    public static void NoDelay(HttpRetryStrategyOptions retry) => Constant(retry, TimeSpan.Zero);

    /// <summary>Retries after exactly <paramref name="delay"/>.</summary>
    public static void Constant(HttpRetryStrategyOptions retry, TimeSpan delay)
    {
        retry.Delay = delay;
        retry.BackoffType = DelayBackoffType.Constant;
        retry.UseJitter = false;
    }

    /// <summary>Records every <see cref="HttpEvents.Retry"/> of the call.</summary>
    public static ConcurrentQueue<HttpRetryEvent> Retries(HttpCall call)
    {
        var retries = new ConcurrentQueue<HttpRetryEvent>();
        call.On(HttpEvents.Retry, retries.Enqueue);
        return retries;
    }

    /// <summary>The retry events as comparable tuples.</summary>
    public static (int Attempt, HttpAttemptKind Kind, HttpStatusCode? PreviousStatus, Type? PreviousError)[] Shape(IEnumerable<HttpRetryEvent> retries) =>
        [.. retries.Select(static r => (r.Attempt, r.Kind, r.PreviousStatusCode, r.PreviousError?.GetType()))];
}
