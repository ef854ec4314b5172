using System.Net;
using Handlers.Eventing.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Handlers.Eventing.Tests.Logging;

public class LifecycleLoggerTests
{
    private const string Category = "Handlers.Eventing.HttpCall.";

    [Fact]
    public async Task LogLifecycle_Success_LogsStartHeadersAndEndWithStructuredFields()
    {
        var server = await LoopbackServer.Shared;
        var logs = new CapturingLoggerProvider();
        using var provider = Build(logs, "logged", b => b.AddEventing(o => o.LogLifecycle = true));
        using var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("logged");

        using var response = await client.GetAsync(server.Url("bytes/12345?chunk=4096&delayMs=0")).WithTimeout();

        var records = logs.ForCategory(Category + "logged");
        Assert.Equal(["CallStarting", "HeadersReceived", "CallSucceeded"], records.Select(r => r.EventId.Name));
        Assert.Equal([1, 2, 5], records.Select(r => r.EventId.Id));
        var uri = $"{server.BaseAddress}bytes/12345?chunk=*&delayMs=*";
        Assert.All(records, r => Assert.Equal(uri, r["Uri"]));
        Assert.All(records, r => Assert.Equal("GET", r["Method"]));
        Assert.Equal(LogLevel.Debug, records[0].Level);

        var headers = records[1];
        Assert.Equal(200, headers["StatusCode"]);
        Assert.Equal(1, headers["Attempt"]);
        Assert.IsType<double>(headers["TimeToHeadersMs"]);

        var end = records[2];
        Assert.Equal(LogLevel.Information, end.Level);
        Assert.Equal("Success", end["Outcome"]);
        Assert.Equal(200, end["StatusCode"]);
        Assert.Equal(1, end["Attempt"]);
        Assert.Equal(12345L, end["BytesReceived"]);
        Assert.Equal(0L, end["BytesSent"]);
        var timeToHeaders = Assert.IsType<double>(end["TimeToHeadersMs"]);
        var duration = Assert.IsType<double>(end["DurationMs"]);
        Assert.True(duration >= timeToHeaders, $"{duration} < {timeToHeaders}");
        Assert.Contains("ended in Success: status 200", end.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("12345?chunk=4096", end.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LogLifecycle_Upload_LogsBytesSent()
    {
        var server = await LoopbackServer.Shared;
        var logs = new CapturingLoggerProvider { MinimumLevel = LogLevel.Information };
        using var provider = Build(logs, "upload", b => b.AddEventing(o => o.LogLifecycle = true));
        using var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("upload");

        using var response = await client.PostAsync(server.Url("upload"), new ByteArrayContent(new byte[7000])).WithTimeout();

        var end = Assert.Single(logs.ForCategory(Category + "upload"));
        Assert.Equal(7000L, end["BytesSent"]);
        Assert.Equal(4L, end["BytesReceived"]);
    }

    [Fact]
    public async Task LogLifecycle_Retries_LogsEachRetryWithAttemptAndReason()
    {
        var server = await LoopbackServer.Shared;
        var logs = new CapturingLoggerProvider { MinimumLevel = LogLevel.Information };
        using var provider = Build(logs, "retried", b => b.AddTestRetry().AddEventing(o => o.LogLifecycle = true));
        using var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("retried");

        using var response = await client.GetAsync(server.Url($"flaky/{LoopbackServer.NewKey()}?failures=2&status=503&n=10")).WithTimeout();

        var records = logs.ForCategory(Category + "retried");
        Assert.Equal(["Retrying", "Retrying", "CallSucceeded"], records.Select(r => r.EventId.Name));
        Assert.Equal([2, 3, 3], records.Select(r => r["Attempt"]));
        Assert.Equal(2, records[^1]["RetryCount"]);
        Assert.All(records.Take(2), r => Assert.Equal("status 503", r["Reason"]));
        Assert.All(records.Take(2), r => Assert.Equal(LogLevel.Warning, r.Level));
        Assert.Equal(4, records[0].EventId.Id);
    }

    [Fact]
    public async Task LogLifecycle_TransportRetriesExhausted_LogsReasonsAttemptFailuresAndFailedEnd()
    {
        var server = await LoopbackServer.Shared;
        var logs = new CapturingLoggerProvider();
        using var provider = Build(logs, "reset", b => b.AddEventing(o => o.LogLifecycle = true).AddTestRetry(maxRetryAttempts: 1));
        using var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("reset");

        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(server.Url($"flaky/{LoopbackServer.NewKey()}?failures=5&mode=reset"))).WithTimeout();

        var records = logs.ForCategory(Category + "reset");
        Assert.Equal(["CallStarting", "AttemptFailed", "Retrying", "AttemptFailed", "CallFailed"], records.Select(r => r.EventId.Name));
        Assert.StartsWith("HttpRequestException: ", (string)records[2]["Reason"]!, StringComparison.Ordinal);
        Assert.IsType<HttpRequestException>(records[2].Exception);
        var end = records[^1];
        Assert.Equal(6, end.EventId.Id);
        Assert.Equal(LogLevel.Warning, end.Level);
        Assert.Equal("Error", end["Outcome"]);
        Assert.Null(end["StatusCode"]);

        // One meaning for each field: no attempt's headers arrived (attempt 0), after one retry.
        Assert.Equal(0, end["Attempt"]);
        Assert.Equal(1, end["RetryCount"]);
        Assert.Same(ex, end.Exception);
    }

    [Fact]
    public async Task LogLifecycle_ErrorStatus_LogsCallFailedWithStatus()
    {
        var server = await LoopbackServer.Shared;
        var logs = new CapturingLoggerProvider { MinimumLevel = LogLevel.Information };
        using var provider = Build(logs, "missing", b => b.AddEventing(o => o.LogLifecycle = true));
        using var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("missing");

        using var response = await client.GetAsync(server.Url("status/404?body=gone")).WithTimeout();

        var end = Assert.Single(logs.ForCategory(Category + "missing"));
        Assert.Equal("CallFailed", end.EventId.Name);
        Assert.Equal(404, end["StatusCode"]);
        Assert.Equal("Error", end["Outcome"]);
        Assert.Equal(4L, end["BytesReceived"]);
        Assert.Equal(HttpStatusCode.NotFound, Assert.IsType<HttpRequestException>(end.Exception).StatusCode);
    }

    [Fact]
    public async Task LogLifecycle_LevelsOff_AttachesNoListenerAndLogsNothing()
    {
        var server = await LoopbackServer.Shared;
        var logs = new CapturingLoggerProvider { MinimumLevel = LogLevel.None };
        var listenersAtStart = -1;
        using var provider = Build(logs, "quiet", b => b.AddEventing(o =>
        {
            o.LogLifecycle = true;
            o.OnCall(call => listenersAtStart = call.EventNames().Count);
        }));
        using var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("quiet");

        using var response = await client.GetAsync(server.Url("bytes/100")).WithTimeout();

        Assert.Equal(0, listenersAtStart);
        Assert.Empty(logs.Records);
    }

    [Fact]
    public async Task LogLifecycle_InformationOnly_AddsNoListenerToTheCall()
    {
        var server = await LoopbackServer.Shared;
        var logs = new CapturingLoggerProvider { MinimumLevel = LogLevel.Information };
        IReadOnlyList<EventKey>? keys = null;
        using var provider = Build(logs, "info", b => b.AddEventing(o =>
        {
            o.LogLifecycle = true;
            o.OnCall(call => keys = call.EventNames());
        }));
        using var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("info");

        using var response = await client.GetAsync(server.Url("bytes/100")).WithTimeout();

        Assert.Empty(keys!);
        Assert.Equal(["CallSucceeded"], logs.ForCategory(Category + "info").Select(r => r.EventId.Name));
    }

    [Fact]
    public async Task LogLifecycle_CallRemovesAllListeners_StillLogsTheCall()
    {
        var server = await LoopbackServer.Shared;
        var logs = new CapturingLoggerProvider { MinimumLevel = LogLevel.Debug };
        using var provider = Build(logs, "removed", b => b.AddEventing(o =>
        {
            o.LogLifecycle = true;
            o.OnCall(call => call.RemoveAllListeners());
        }));
        using var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("removed");

        using var response = await client.GetAsync(server.Url("bytes/100")).WithTimeout();

        Assert.Equal(["CallStarting", "HeadersReceived", "CallSucceeded"], logs.ForCategory(Category + "removed").Select(r => r.EventId.Name));
    }

    [Fact]
    public async Task LogLifecycle_IsolatedListenerException_IsLoggedAndReported()
    {
        var server = await LoopbackServer.Shared;
        var logs = new CapturingLoggerProvider { MinimumLevel = LogLevel.Warning };
        var reported = new List<Exception>();
        var boom = new InvalidOperationException("listener bug");
        using var provider = Build(logs, "isolated", b => b.AddEventing(o =>
        {
            o.LogLifecycle = true;
            o.IsolateListenerExceptions = true;
            o.ListenerExceptionHandler = (_, _, ex) => reported.Add(ex);
            o.OnCall(call => call.On(HttpEvents.HttpHeaders, _ => throw boom));
        }));
        using var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("isolated");

        using var response = await client.GetAsync(server.Url("bytes/100")).WithTimeout();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var record = Assert.Single(logs.ForCategory(Category + "isolated"));
        Assert.Equal("ListenerException", record.EventId.Name);
        Assert.Equal(7, record.EventId.Id);
        Assert.Equal("httpHeaders", record["ListenerEvent"]);
        Assert.Same(boom, record.Exception);
        Assert.Equal([boom], reported);
    }

    [Fact]
    public async Task LogLifecycle_ConfigureHttpClientDefaults_UsesOneCategoryPerClient()
    {
        var server = await LoopbackServer.Shared;
        var logs = new CapturingLoggerProvider { MinimumLevel = LogLevel.Information };
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
        services.ConfigureHttpClientDefaults(b => b.AddEventing(o => o.LogLifecycle = true));
        using var provider = services.BuildServiceProvider();
        var factory = provider.GetRequiredService<IHttpClientFactory>();

        using (var a = factory.CreateClient("alpha"))
        {
            (await a.GetAsync(server.Url("bytes/1")).WithTimeout()).Dispose();
        }

        using (var unnamed = factory.CreateClient())
        {
            (await unnamed.GetAsync(server.Url("bytes/2")).WithTimeout()).Dispose();
        }

        Assert.Single(logs.ForCategory(Category + "alpha"));
        Assert.Single(logs.ForCategory("Handlers.Eventing.HttpCall"));
    }

    [Fact]
    public async Task LogLifecycle_NotSet_LogsNothing()
    {
        var server = await LoopbackServer.Shared;
        var logs = new CapturingLoggerProvider();
        using var provider = Build(logs, "off", b => b.AddEventing());
        using var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("off");

        (await client.GetAsync(server.Url("bytes/1")).WithTimeout()).Dispose();

        Assert.DoesNotContain(logs.Records, r => r.Category.StartsWith("Handlers.Eventing", StringComparison.Ordinal));
    }

    [Fact]
    public async Task LogLifecycle_WithoutTimings_TheEndLineHasNoTimings()
    {
        var server = await LoopbackServer.Shared;
        var logs = new CapturingLoggerProvider { MinimumLevel = LogLevel.Information };
        using var provider = Build(logs, "untimed", b => b.AddEventing(o => o.LogLifecycle = true));
        using var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("untimed");

        using var response = await client.GetAsync(server.Url("bytes/100")).WithTimeout();

        var end = Assert.Single(logs.ForCategory(Category + "untimed"));
        Assert.Equal(string.Empty, end["Timings"]);
        Assert.EndsWith("ms", end.Message, StringComparison.Ordinal);
    }

    private static ServiceProvider Build(CapturingLoggerProvider logs, string name, Action<IHttpClientBuilder> configure)
    {
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
        configure(services.AddHttpClient(name));
        return services.BuildServiceProvider();
    }
}
