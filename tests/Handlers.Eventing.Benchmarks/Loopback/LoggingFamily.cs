using System.Globalization;
using Handlers.Eventing.Benchmarks.Logging;

namespace Handlers.Eventing.Benchmarks.Loopback;

/// <summary>
/// Lifecycle logging on real sockets: <see cref="EventingOptions.LogLifecycle"/> against <c>IHttpClientFactory</c>'s default
/// logging handlers, both writing to the same formatting logger provider at Information, 1 call in flight.
/// </summary>
internal static class LoggingFamily
{
    public static async Task RunAsync(LoopbackServer server, int rounds, int callsPerRound)
    {
        using var clients = new LoggingClients(PerCallFamily.NewTransport);
        var url = server.Item;
        foreach (var name in new[] { LoggingClients.FactoryLogging, LoggingClients.LogLifecycle })
        {
            var messages = await clients.MessagesPerCallAsync(name, url).ConfigureAwait(false);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: {messages} messages per call"));
        }

        var results = await AlternatingRounds.RunAsync(
            "loopback logging: GET 1 KiB through IHttpClientFactory clients, formatting logger provider at Information",
            [
                new Variant("no logging (baseline)", () => PerCallFamily.RunCallsAsync(clients.Clients[LoggingClients.None], url, 1, callsPerRound)),
                new Variant("factory default logging", () => PerCallFamily.RunCallsAsync(clients.Clients[LoggingClients.FactoryLogging], url, 1, callsPerRound)),
                new Variant("AddEventing + LogLifecycle", () => PerCallFamily.RunCallsAsync(clients.Clients[LoggingClients.LogLifecycle], url, 1, callsPerRound)),
                new Variant("AddEventing, no logging", () => PerCallFamily.RunCallsAsync(clients.Clients[LoggingClients.EventingOnly], url, 1, callsPerRound)),
            ],
            rounds,
            callsPerRound).ConfigureAwait(false);
        var none = results[0];
        var factory = results[1];
        var lifecycle = results[2];
        var eventing = results[3];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"LogLifecycle / factory logging, whole call: time {lifecycle.MedianSeconds / factory.MedianSeconds:0.000}, bytes {lifecycle.MedianBytes:0} vs {factory.MedianBytes:0} B"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"added to no logging: factory logging +{(factory.MedianSeconds - none.MedianSeconds) * 1e6:0.00} µs / {factory.BytesOverBaseline:+0;-0} B, " +
            $"AddEventing + LogLifecycle +{(lifecycle.MedianSeconds - none.MedianSeconds) * 1e6:0.00} µs / {lifecycle.BytesOverBaseline:+0;-0} B, " +
            $"of which logging +{(lifecycle.MedianSeconds - eventing.MedianSeconds) * 1e6:0.00} µs / {lifecycle.MedianBytes - eventing.MedianBytes:+0;-0} B"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"CPU per call: LogLifecycle / factory logging, whole call {lifecycle.MedianCpuSeconds / factory.MedianCpuSeconds:0.000}; added to no logging: " +
            $"factory logging +{(factory.MedianCpuSeconds - none.MedianCpuSeconds) * 1e6:0.00} µs, AddEventing + LogLifecycle +{(lifecycle.MedianCpuSeconds - none.MedianCpuSeconds) * 1e6:0.00} µs, " +
            $"of which logging +{(lifecycle.MedianCpuSeconds - eventing.MedianCpuSeconds) * 1e6:0.00} µs"));
    }
}
