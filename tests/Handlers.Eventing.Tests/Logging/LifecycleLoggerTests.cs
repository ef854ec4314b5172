using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Handlers.Eventing.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
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
        Assert.False(end.State.ContainsKey("Timings"));   // no empty field: the message without timings has none
        Assert.EndsWith("ms", end.Message, StringComparison.Ordinal);
        Assert.Matches(@", duration \d+\.\dms$", end.Message);
    }

    [Fact]
    public async Task LogLifecycle_WithTimings_TheCallsDurationAndTheAttemptsTotalHaveOneWordEach()
    {
        var server = await LoopbackServer.Shared;
        var logs = new CapturingLoggerProvider { MinimumLevel = LogLevel.Information };
        using var provider = Build(logs, "timed", b => b.AddEventing(o =>
        {
            o.LogLifecycle = true;
            o.CollectTimings = true;
        }));
        using var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("timed");

        using var response = await client.GetAsync(server.Url("bytes/100")).WithTimeout();

        var end = Assert.Single(logs.ForCategory(Category + "timed"));
        Assert.Equal(5, end.EventId.Id);
        var timings = Assert.IsType<string>(end["Timings"]);

        // "duration" is the call's time, "total" the returned attempt's, inside its phases: each word once, one meaning each.
        Assert.Matches(@", duration \d+\.\dms \(attempt phases: queued [^()]*, total \d+\.\dms, connection \d+ \(new\), HTTP/1\.1\)$", end.Message);
        Assert.Single(Regex.Matches(end.Message, @"\btotal\b"));
        Assert.Single(Regex.Matches(end.Message, @"\bduration\b"));
        Assert.EndsWith($"(attempt phases: {timings})", end.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("hedge", 2, 1)]
    [InlineData("primary", 1, 2)]
    public async Task LogLifecycle_Hedged_LogsTheHedgeWithTheHedgingDelayAndTheLosingAttemptAtDebug(string winner, int winning, int losing)
    {
        var server = await LoopbackServer.Shared;
        var logs = new CapturingLoggerProvider();
        var key = LoopbackServer.NewKey();
        using var provider = Build(logs, "hedged", b => b
            .AddStandardHedgingHandler()
            .Configure(o =>
            {
                o.Hedging.Delay = TimeSpan.FromMilliseconds(300);
                o.Hedging.MaxHedgedAttempts = 1;
            })
            .Services.AddHttpClient("hedged")
            .AddHttpMessageHandler(static () => new AttemptRoleHandler())
            .AddEventing(o => o.LogLifecycle = true));
        using var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("hedged");

        using var response = await client.GetAsync(server.Url($"resilience/hedge/{key}?winner={winner}&n=10&token=secret")).WithTimeout();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var records = logs.ForCategory(Category + "hedged");
        Assert.Equal(["CallStarting", "Hedging", "HeadersReceived", "HedgeLost", "CallSucceeded"], records.Select(r => r.EventId.Name));
        var uri = $"{server.BaseAddress}resilience/hedge/{key}?winner=*&n=*&token=*";
        Assert.All(records, r => Assert.Equal(uri, r["Uri"]));

        // The hedge: its own event id and level, and the hedging delay Polly waited (not the 0 a retry's back-off would show).
        var hedge = records[1];
        Assert.Equal(9, hedge.EventId.Id);
        Assert.Equal(LogLevel.Information, hedge.Level);
        Assert.Equal(2, hedge["Attempt"]);
        var delay = Assert.IsType<double>(hedge["DelaySeconds"]);
        Assert.InRange(delay, 0.25, TestTimeouts.Default.TotalSeconds);   // Polly's 300 ms timer may fire a few ms early
        Assert.Equal(string.Create(CultureInfo.InvariantCulture, $"Hedging GET {uri}: attempt 2 started after {delay:0.0} s"), hedge.Message);
        Assert.DoesNotContain(records, r => r.EventId.Name == "Retrying");

        // The loser: one Debug line, naming the winner.
        var lost = records[3];
        Assert.Equal(10, lost.EventId.Id);
        Assert.Equal(LogLevel.Debug, lost.Level);
        Assert.Equal(losing, lost["Attempt"]);
        Assert.Equal(winning, lost["WinningAttempt"]);
        Assert.Equal($"Hedging GET {uri}: attempt {losing} lost to attempt {winning} and was cancelled", lost.Message);
        Assert.Equal(winning, records[2]["Attempt"]);
        Assert.Equal(winning, records[4]["Attempt"]);
        Assert.Equal(1, records[4]["RetryCount"]);
    }

    [Fact]
    public async Task LogLifecycle_RetriedWithoutHedging_LogsNoHedgeLines()
    {
        var server = await LoopbackServer.Shared;
        var logs = new CapturingLoggerProvider();
        using var provider = Build(logs, "plain", b => b.AddTestRetry().AddEventing(o => o.LogLifecycle = true));
        using var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("plain");

        using var response = await client.GetAsync(server.Url($"resilience/steps/{LoopbackServer.NewKey()}?s=503,200")).WithTimeout();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var names = logs.ForCategory(Category + "plain").Select(r => r.EventId.Name).ToList();
        Assert.DoesNotContain("Hedging", names);
        Assert.DoesNotContain("HedgeLost", names);
    }

    [Fact]
    public async Task LogLifecycle_RedactUri_EveryLineUsesTheApplicationsRedaction()
    {
        var server = await LoopbackServer.Shared;
        var logs = new CapturingLoggerProvider();
        var redacted = new List<Uri>();
        using var provider = Build(logs, "redacted", b => b.AddTestRetry().AddEventing(o =>
        {
            o.LogLifecycle = true;
            o.RedactUri = uri =>
            {
                lock (redacted)
                {
                    redacted.Add(uri);
                }

                return uri.GetLeftPart(UriPartial.Path) + "?[redacted]";
            };
        }));
        using var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("redacted");
        var key = LoopbackServer.NewKey();

        using var response = await client.GetAsync(server.Url($"resilience/steps/{key}?s=503,200&n=5")).WithTimeout();

        var records = logs.ForCategory(Category + "redacted");
        Assert.Equal(["CallStarting", "HeadersReceived", "Retrying", "HeadersReceived", "CallSucceeded"], records.Select(r => r.EventId.Name));
        Assert.All(records, r => Assert.Equal($"{server.BaseAddress}resilience/steps/{key}?[redacted]", r["Uri"]));
        Assert.All(records, r => Assert.DoesNotContain("s=", r.Message, StringComparison.Ordinal));

        // Called with the request URI, once per call while the URI does not change (not once per line).
        Assert.Equal(server.Url($"resilience/steps/{key}?s=503,200&n=5"), Assert.Single(redacted));
    }

    [Fact]
    public async Task LogLifecycle_RedactUriThrows_FallsBackToTheDefaultRedactionAndTheCallSucceeds()
    {
        var server = await LoopbackServer.Shared;
        var logs = new CapturingLoggerProvider();
        using var provider = Build(logs, "broken", b => b.AddEventing(o =>
        {
            o.LogLifecycle = true;
            o.RedactUri = _ => throw new InvalidOperationException("redactor bug");
        }));
        using var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("broken");

        using var response = await client.GetAsync(server.Url("bytes/10?token=secret")).WithTimeout();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(10, (await response.Content.ReadAsByteArrayAsync()).Length);
        var records = logs.ForCategory(Category + "broken");
        Assert.Equal(["CallStarting", "HeadersReceived", "CallSucceeded"], records.Select(r => r.EventId.Name));
        Assert.All(records, r => Assert.Equal($"{server.BaseAddress}bytes/10?token=*", r["Uri"]));
        Assert.DoesNotContain(logs.Records, r => r.Exception is InvalidOperationException || r.Message.Contains("secret", StringComparison.Ordinal));
    }

    [Fact]
    public async Task LogLifecycle_RedactUriReturnsNull_FallsBackToTheDefaultRedaction()
    {
        var server = await LoopbackServer.Shared;
        var logs = new CapturingLoggerProvider { MinimumLevel = LogLevel.Information };
        using var provider = Build(logs, "null", b => b.AddEventing(o =>
        {
            o.LogLifecycle = true;
            o.RedactUri = _ => null!;
        }));
        using var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("null");

        using var response = await client.GetAsync(server.Url("bytes/10?token=secret")).WithTimeout();

        Assert.Equal($"{server.BaseAddress}bytes/10?token=*", Assert.Single(logs.ForCategory(Category + "null"))["Uri"]);
    }

    private static ServiceProvider Build(CapturingLoggerProvider logs, string name, Action<IHttpClientBuilder> configure)
    {
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
        configure(services.AddHttpClient(name));
        return services.BuildServiceProvider();
    }

    /// <summary>
    /// Tells the hedge endpoint which request is the primary (the caller's own) and which the hedge (the clone made per hedged
    /// attempt), whatever order they reach it in on a loaded machine.
    /// </summary>
    private sealed class AttemptRoleHandler : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var primary = HttpCall.TryGet(request, out var call) && ReferenceEquals(call.Request, request);
            request.Headers.Remove("X-Attempt-Role");
            request.Headers.TryAddWithoutValidation("X-Attempt-Role", primary ? "primary" : "hedge");
            return base.SendAsync(request, cancellationToken);
        }
    }
}
