using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Handlers.Eventing.Benchmarks.Logging;

/// <summary>
/// Four <c>IHttpClientFactory</c> clients over the same primary handler type and the same <see cref="FormattingLoggerProvider"/>
/// at Information: no logging at all (baseline), the factory's default logging handlers (four messages per call),
/// eventing with <see cref="EventingOptions.LogLifecycle"/> and the factory's logging removed (one message per call), and
/// eventing without logging (to tell the handler's cost from the logging's).
/// </summary>
internal sealed class LoggingClients : IDisposable
{
    public const string None = "none";
    public const string FactoryLogging = "factory-logging";
    public const string LogLifecycle = "log-lifecycle";
    public const string EventingOnly = "eventing-only";

    private readonly ServiceProvider _services;

    public LoggingClients(Func<HttpMessageHandler> primary)
    {
        Provider = new FormattingLoggerProvider(LogLevel.Information);
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.ClearProviders().AddProvider(Provider).SetMinimumLevel(LogLevel.Information));
        services.AddHttpClient(None).RemoveAllLoggers().ConfigurePrimaryHttpMessageHandler(primary).SetHandlerLifetime(Timeout.InfiniteTimeSpan);
        services.AddHttpClient(FactoryLogging).ConfigurePrimaryHttpMessageHandler(primary).SetHandlerLifetime(Timeout.InfiniteTimeSpan);
        services.AddHttpClient(LogLifecycle).RemoveAllLoggers().AddEventing(static o => o.LogLifecycle = true)
            .ConfigurePrimaryHttpMessageHandler(primary).SetHandlerLifetime(Timeout.InfiniteTimeSpan);
        services.AddHttpClient(EventingOnly).RemoveAllLoggers().AddEventing()
            .ConfigurePrimaryHttpMessageHandler(primary).SetHandlerLifetime(Timeout.InfiniteTimeSpan);
        _services = services.BuildServiceProvider();
        var factory = _services.GetRequiredService<IHttpClientFactory>();
        Clients = new Dictionary<string, HttpClient>
        {
            [None] = factory.CreateClient(None),
            [FactoryLogging] = factory.CreateClient(FactoryLogging),
            [LogLifecycle] = factory.CreateClient(LogLifecycle),
            [EventingOnly] = factory.CreateClient(EventingOnly),
        };
    }

    public FormattingLoggerProvider Provider { get; }

    public IReadOnlyDictionary<string, HttpClient> Clients { get; }

    /// <summary>Counts the messages one call of <paramref name="name"/> writes.</summary>
    public async Task<long> MessagesPerCallAsync(string name, Uri url)
    {
        var before = Provider.Messages;
        using (await Clients[name].GetAsync(url).ConfigureAwait(false))
        {
        }

        return Provider.Messages - before;
    }

    public void Dispose()
    {
        foreach (var client in Clients.Values)
        {
            client.Dispose();
        }

        _services.Dispose();
    }
}
