using System.Net;
using Handlers.Eventing.Tests.Infrastructure;
using Handlers.Eventing.Tests.Resilience;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Polly.Telemetry;
using Xunit.Abstractions;

namespace Handlers.Eventing.Tests.Logging;

/// <summary>
/// The logging configuration the README, PACKAGE.md and samples/LifecycleLogging show — <c>RemoveAllLoggers()</c> on the
/// client, <c>AddFilter("Polly", LogLevel.Error)</c> on the logging — with the real resilience handlers on the loopback
/// server: one line per call plus one per retry or hedge, nothing else at Information or above.
/// </summary>
public sealed class LifecycleLoggingConfigurationTests
{
    private const string Name = "api";

    private readonly ITestOutputHelper _output;

    public LifecycleLoggingConfigurationTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public async Task Recommended_RetriedCall_OneLinePerRetryAndOneAtTheEndNothingElse()
    {
        var server = await LoopbackServer.Shared;
        var logs = new CapturingLoggerProvider();
        using var provider = Build(logs, recommended: true, b => b.AddStandardResilienceHandler(o => ResilienceClients.NoDelay(o.Retry)));
        using var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient(Name);

        using var response = await client.GetAsync(server.Url($"resilience/steps/{LoopbackServer.NewKey()}?s=503,503,200&n=10")).WithTimeout();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var records = logs.Records;
        Print(records);
        Assert.Equal(
            ["Handlers.Eventing.HttpCall.api Retrying", "Handlers.Eventing.HttpCall.api Retrying", "Handlers.Eventing.HttpCall.api CallSucceeded"],
            records.Select(r => $"{r.Category} {r.EventId.Name}"));
        Assert.Equal([2, 3, 3], records.Select(r => r["Attempt"]));
        Assert.All(records, r => Assert.Null(r.Exception));
    }

    [Fact]
    public async Task Recommended_HedgedCall_OneLineForTheHedgeAndOneAtTheEndNothingElse()
    {
        var server = await LoopbackServer.Shared;
        var logs = new CapturingLoggerProvider();
        using var provider = Build(logs, recommended: true, AddHedging);
        using var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient(Name);

        using var response = await client.GetAsync(server.Url($"resilience/hedge/{LoopbackServer.NewKey()}?winner=hedge&n=10")).WithTimeout();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await WaitForPollyToReportTheLoserAsync(provider);
        Print(logs.Records);
        Assert.Equal(
            ["Handlers.Eventing.HttpCall.api Hedging", "Handlers.Eventing.HttpCall.api CallSucceeded"],
            logs.Records.Select(r => $"{r.Category} {r.EventId.Name}"));
    }

    [Fact]
    public async Task WithoutThePollyFilter_RetriedCall_PollyAddsItsOwnLinesCountingFromZero()
    {
        // The control of the test above: what the filter removes.
        var server = await LoopbackServer.Shared;
        var logs = new CapturingLoggerProvider();
        using var provider = Build(logs, recommended: false, b => b.AddStandardResilienceHandler(o => ResilienceClients.NoDelay(o.Retry)));
        using var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient(Name);

        using var response = await client.GetAsync(server.Url($"resilience/steps/{LoopbackServer.NewKey()}?s=503,503,200&n=10")).WithTimeout();

        var polly = logs.Records.Where(r => r.Category == "Polly").ToList();
        Assert.Contains(polly, r => r.Level == LogLevel.Warning && r.Message.Contains("OnRetry", StringComparison.Ordinal));
        Assert.Contains(polly, r => r.Level == LogLevel.Warning && r.Message.Contains("Attempt: '0'", StringComparison.Ordinal));
        Assert.Equal(3, logs.ForCategory("Handlers.Eventing.HttpCall.api").Count);
    }

    [Fact]
    public async Task WithoutThePollyFilter_HedgedCall_PollyAddsItsOwnLines()
    {
        var server = await LoopbackServer.Shared;
        var logs = new CapturingLoggerProvider();
        using var provider = Build(logs, recommended: false, AddHedging);
        using var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient(Name);

        using var response = await client.GetAsync(server.Url($"resilience/hedge/{LoopbackServer.NewKey()}?winner=hedge&n=10")).WithTimeout();

        Assert.Contains(logs.Records, r => r.Category == "Polly" && r.Message.Contains("OnHedging", StringComparison.Ordinal));
    }

    private void Print(IEnumerable<CapturingLoggerProvider.LogRecord> records)
    {
        foreach (var record in records)
        {
            _output.WriteLine($"{record.Level} {record.Category}[{record.EventId.Id}] {record.Message}");
        }
    }

    private static void AddHedging(IHttpClientBuilder builder) =>
        builder.AddStandardHedgingHandler().Configure(o =>
        {
            o.Hedging.Delay = TimeSpan.FromMilliseconds(100);
            o.Hedging.MaxHedgedAttempts = 1;
        });

    /// <summary>
    /// Waits until Polly reported both attempts of the hedge: it reports the cancelled loser ("Execution attempt", with the
    /// cancellation's stack trace — what the filter removes) after the winner's response was returned.
    /// </summary>
    private static Task WaitForPollyToReportTheLoserAsync(ServiceProvider provider) =>
        provider.GetRequiredService<AttemptReports>().BothReported.Task.WithTimeout();

    private static ServiceProvider Build(CapturingLoggerProvider logs, bool recommended, Action<IHttpClientBuilder> addResilience)
    {
        var services = new ServiceCollection();
        services.AddLogging(logging =>
        {
            logging.AddProvider(logs);          // the default minimum level, Information, as the console's
            if (recommended)
            {
                logging.AddFilter("Polly", LogLevel.Error);   // Polly's own lines: only its errors (a circuit that opens)
            }
        });
        services.AddSingleton<AttemptReports>();
        services.AddOptions<TelemetryOptions>().Configure<AttemptReports>((options, reports) => options.TelemetryListeners.Add(reports));
        var client = services.AddHttpClient(Name).RemoveAllLoggers();   // the factory's own per-request lines
        addResilience(client);
        client.AddEventing(o => o.LogLifecycle = true);
        return services.BuildServiceProvider();
    }

    /// <summary>A Polly telemetry listener that completes when two execution attempts (a hedge's primary and hedge) were reported.</summary>
    private sealed class AttemptReports : TelemetryListener
    {
        private int _attempts;

        public TaskCompletionSource BothReported { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override void Write<TResult, TArgs>(in TelemetryEventArguments<TResult, TArgs> args)
        {
            if (args.Arguments is ExecutionAttemptArguments && Interlocked.Increment(ref _attempts) == 2)
            {
                BothReported.TrySetResult();
            }
        }
    }
}
