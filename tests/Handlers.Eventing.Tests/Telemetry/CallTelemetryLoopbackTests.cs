using System.Diagnostics;
using System.Net;
using Handlers.Eventing.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Handlers.Eventing.Tests.Telemetry;

/// <summary>
/// The call's activity and metrics through real calls on the loopback Kestrel server, next to the runtime's own
/// <c>System.Net.Http</c> activity and <c>http.client.request.duration</c>, which end at the response headers.
/// </summary>
[Collection(TelemetryCollection.Name)]
public sealed class CallTelemetryLoopbackTests
{
    private const int BodyLength = 200_000;

    [Fact]
    public async Task Call_HeadersThenWaitThenBody_ActivityAndDurationEndAtTheLastByteNotAtTheHeaders()
    {
        var server = await LoopbackServer.Shared;
        using var capture = new TelemetryCapture(runtime: true);
        using var client = new HttpClient(new EventingHandler(new SocketsHttpHandler()));
        var key = LoopbackServer.NewKey();

        using var response = await client.GetAsync(server.Url($"telemetry/headers-then-body/{BodyLength}?key={key}"), HttpCompletionOption.ResponseHeadersRead).WithTimeout();

        // Headers are in: the runtime's activity has stopped, ours runs on through the wait.
        var call = Assert.Single(capture.CallActivities);
        var attempt = Assert.Single(capture.RuntimeActivities);
        var attemptStopped = await capture.StoppedAsync(attempt);
        Assert.Same(call, attempt.Parent);
        Assert.Equal(ActivityKind.Client, attempt.Kind);
        Assert.False(call.IsStopped, "the call's activity must not stop at the headers");
        var runtimeDuration = Assert.Single(capture.Of(TelemetryCapture.RuntimeSourceName, "http.client.request.duration"));
        Assert.Empty(capture.Of("handlers.eventing.call.duration"));

        var released = Stopwatch.GetTimestamp();
        server.Signal(key);
        var body = await response.Content.ReadAsByteArrayAsync().WithTimeout();

        var callStopped = await capture.StoppedAsync(call);
        Assert.Equal(BodyLength, body.Length);
        Assert.True(attemptStopped < released && released < callStopped, "the runtime's activity stops before the body is released, the call's after its last byte");
        Assert.True(call.Duration > attempt.Duration, $"call {call.Duration} <= attempt {attempt.Duration}");
        Assert.Equal(ActivityStatusCode.Unset, call.Status);
        Assert.Equal(200, call.GetTagItem("http.response.status_code"));
        Assert.Equal((long)BodyLength, call.GetTagItem("http.response.body.size"));
        Assert.Equal("127.0.0.1", call.GetTagItem("server.address"));
        Assert.Equal(server.BaseAddress.Port, call.GetTagItem("server.port"));
        Assert.Equal($"{server.BaseAddress}telemetry/headers-then-body/{BodyLength}?key=*", call.GetTagItem("url.full"));
        Assert.Equal(["handlers.eventing.headers", "handlers.eventing.body.end"], call.Events.Select(e => e.Name));

        var duration = Assert.Single(capture.Of("handlers.eventing.call.duration"));
        Assert.True(runtimeDuration.Timestamp < released && released < duration.Timestamp);
        Assert.True(duration.Value > runtimeDuration.Value, $"call {duration.Value} s <= runtime {runtimeDuration.Value} s");
        Assert.Equal((double)BodyLength, Assert.Single(capture.Of("http.client.response.body.size")).Value);
        Assert.Empty(capture.Of("http.client.request.body.size")); // a GET without content
        Assert.Equal(200, duration.Tags["http.response.status_code"]);
        Assert.Equal("http", duration.Tags["url.scheme"]);
    }

    [Theory]
    [InlineData(false, "1.1")]
    [InlineData(true, "2")]
    public async Task Call_Http1OrHttp2_MetricsCarryTheProtocolVersionAsTheRuntimesDuration(bool http2, string expected)
    {
        var server = await LoopbackServer.Shared;
        using var capture = new TelemetryCapture(activities: false, runtime: true);
        using var client = LoopbackVersions.EventingClient(http2);

        using (var response = await client.GetAsync(server.Url(http2, "bytes/1000")).WithTimeout())
        {
            Assert.Equal(1000, (await response.Content.ReadAsByteArrayAsync()).Length);
        }

        var runtime = Assert.Single(capture.Of(TelemetryCapture.RuntimeSourceName, "http.client.request.duration"));
        Assert.Equal(expected, runtime.Tags["network.protocol.version"]);
        // A GET without content has no request body size (issue 24: only a request that has content).
        Assert.Empty(capture.Of("http.client.request.body.size"));
        foreach (var instrument in new[] { "handlers.eventing.call.duration", "http.client.response.body.size" })
        {
            var measurement = Assert.Single(capture.Of(instrument));
            Assert.Equal(expected, measurement.Tags["network.protocol.version"]);
        }
    }

    [Fact]
    public async Task Call_NoResponse_MetricsHaveNoProtocolVersion()
    {
        using var capture = new TelemetryCapture(activities: false);
        using var client = new HttpClient(new EventingHandler(new SocketsHttpHandler()));

        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(LoopbackServer.RefusedAddress()).WithTimeout());

        Assert.False(Assert.Single(capture.Of("handlers.eventing.call.duration")).Tags.ContainsKey("network.protocol.version"));
    }

    [Fact]
    public async Task Call_RedactUri_UrlFullIsTheApplicationsRedaction()
    {
        var server = await LoopbackServer.Shared;
        using var capture = new TelemetryCapture(metrics: false);
        var options = new EventingOptions { RedactUri = static uri => uri.GetLeftPart(UriPartial.Path) + "?[redacted]" };
        using var client = new HttpClient(new EventingHandler(new SocketsHttpHandler(), options));

        (await client.GetAsync(server.Url("bytes/10?token=secret&page=2")).WithTimeout()).Dispose();

        var call = Assert.Single(capture.CallActivities);
        await capture.StoppedAsync(call);
        Assert.Equal($"{server.BaseAddress}bytes/10?[redacted]", call.GetTagItem("url.full"));
    }

    [Fact]
    public async Task Call_RedactUriThrows_UrlFullFallsBackToTheDefaultRedactionAndTheCallSucceeds()
    {
        var server = await LoopbackServer.Shared;
        using var capture = new TelemetryCapture(metrics: false);
        var calls = 0;
        var options = new EventingOptions { RedactUri = uri => throw new InvalidOperationException($"redactor bug {++calls}") };
        using var client = new HttpClient(new EventingHandler(new SocketsHttpHandler(), options));
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url("bytes/10?token=secret"));

        using var response = await client.SendAsync(request).WithTimeout();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(10, (await response.Content.ReadAsByteArrayAsync()).Length);
        Assert.True((await HttpCall.For(request).Completion.WithTimeout()).IsSuccess);
        Assert.Equal(1, calls);
        var call = Assert.Single(capture.CallActivities);
        Assert.Equal($"{server.BaseAddress}bytes/10?token=*", call.GetTagItem("url.full"));
    }

    [Fact]
    public async Task Call_EmptyBody_ActivityStopsBeforeSendAsyncReturns()
    {
        var server = await LoopbackServer.Shared;
        using var capture = new TelemetryCapture();
        using var client = new HttpClient(new EventingHandler(new SocketsHttpHandler()));

        using var response = await client.GetAsync(server.Url("bytes/0"), HttpCompletionOption.ResponseHeadersRead).WithTimeout();

        var call = Assert.Single(capture.CallActivities);
        Assert.True(call.IsStopped, "a response without a body ends the call at its headers");
        Assert.Equal(0L, call.GetTagItem("http.response.body.size"));
        Assert.Equal(["handlers.eventing.headers", "handlers.eventing.body.end"], call.Events.Select(e => e.Name));
    }

    [Fact]
    public async Task Call_CollectTimings_SetsTheReturnedAttemptsPhasesOnTheActivity()
    {
        var server = await LoopbackServer.Shared;
        using var capture = new TelemetryCapture(metrics: false);
        using var client = new HttpClient(new EventingHandler(new SocketsHttpHandler(), new EventingOptions { CollectTimings = true }));

        using var response = await client.GetAsync(server.Url("bytes/5000")).WithTimeout();

        var call = Assert.Single(capture.CallActivities);
        await capture.StoppedAsync(call);
        var timings = HttpCall.For(response.RequestMessage!).Response.Timings;
        Assert.NotNull(timings);
        Assert.Equal(timings.Total!.Value.TotalSeconds, call.GetTagItem("handlers.eventing.timing.total"));
        Assert.Equal(timings.FirstByte!.Value.TotalSeconds, call.GetTagItem("handlers.eventing.timing.first_byte"));
        Assert.Equal(timings.ConnectionId, call.GetTagItem("handlers.eventing.connection.id"));
        Assert.Equal(timings.ConnectionReused, call.GetTagItem("handlers.eventing.connection.reused"));
    }

    [Fact]
    public async Task Call_Upload_ReportsTheRequestBodySize()
    {
        var server = await LoopbackServer.Shared;
        using var capture = new TelemetryCapture();
        using var client = new HttpClient(new EventingHandler(new SocketsHttpHandler()));

        using var response = await client.PostAsync(server.Url("upload"), new ByteArrayContent(new byte[7000])).WithTimeout();

        var call = Assert.Single(capture.CallActivities);
        await capture.StoppedAsync(call);
        Assert.Equal("POST", call.GetTagItem("http.request.method"));
        Assert.Equal(7000L, call.GetTagItem("http.request.body.size"));
        Assert.Equal(4L, call.GetTagItem("http.response.body.size"));
        var size = Assert.Single(capture.Of("http.client.request.body.size"));
        Assert.Equal(7000d, size.Value);
        Assert.Equal("POST", size.Tags["http.request.method"]);
    }

    [Fact]
    public async Task Call_ErrorStatus_ActivityErrorWithTheStatusAsErrorType()
    {
        var server = await LoopbackServer.Shared;
        using var capture = new TelemetryCapture();
        using var client = new HttpClient(new EventingHandler(new SocketsHttpHandler()));

        using var response = await client.GetAsync(server.Url("status/503?body=busy")).WithTimeout();

        var call = Assert.Single(capture.CallActivities);
        Assert.True(call.IsStopped, "GetAsync buffers the body: the call ended before it returned");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(ActivityStatusCode.Error, call.Status);
        Assert.Equal("503", call.GetTagItem("error.type"));
        Assert.Equal(4L, call.GetTagItem("http.response.body.size"));
        Assert.Contains("handlers.eventing.body.end", call.Events.Select(e => e.Name));
        var size = Assert.Single(capture.Of("http.client.response.body.size"));
        Assert.Equal(4d, size.Value);
        Assert.Equal("503", size.Tags["error.type"]);
        Assert.Equal(503, size.Tags["http.response.status_code"]);
    }

    [Fact]
    public async Task GetStringAsync_ErrorStatus_ActivityStopsAtTheUnreadDisposalWithTheStatusAsErrorType()
    {
        var server = await LoopbackServer.Shared;
        using var capture = new TelemetryCapture();
        using var client = new HttpClient(new EventingHandler(new SocketsHttpHandler()));

        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetStringAsync(server.Url("bytes/50000?status=503")).WithTimeout());

        var call = Assert.Single(capture.CallActivities);
        await capture.StoppedAsync(call);
        Assert.Equal(ActivityStatusCode.Error, call.Status);
        Assert.Equal("503", call.GetTagItem("error.type"));
        Assert.DoesNotContain("handlers.eventing.body.end", call.Events.Select(e => e.Name));
        Assert.True((long)call.GetTagItem("http.response.body.size")! < 50000);
    }

    [Fact]
    public async Task Call_ConnectionRefused_ActivityErrorWithTheRuntimesErrorType()
    {
        using var capture = new TelemetryCapture();
        using var client = new HttpClient(new EventingHandler(new SocketsHttpHandler()));

        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(LoopbackServer.RefusedAddress()).WithTimeout());

        var call = Assert.Single(capture.CallActivities);
        await capture.StoppedAsync(call);
        Assert.Equal(ActivityStatusCode.Error, call.Status);
        Assert.Equal("connection_error", call.GetTagItem("error.type"));
        Assert.Null(call.GetTagItem("http.response.status_code"));
        var duration = Assert.Single(capture.Of("handlers.eventing.call.duration"));
        Assert.Equal("connection_error", duration.Tags["error.type"]);
        Assert.False(duration.Tags.ContainsKey("http.response.status_code"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_TruncatedBody_ActivityStopsAtTheFailedReadWithResponseEnded(bool copyTo)
    {
        var server = await LoopbackServer.Shared;
        using var capture = new TelemetryCapture();
        using var client = new HttpClient(new EventingHandler(new SocketsHttpHandler()));
        using var response = await client.GetAsync(new Uri(server.TruncatingAddress, "5000?send=1200"), HttpCompletionOption.ResponseHeadersRead).WithTimeout();
        var call = Assert.Single(capture.CallActivities);
        Assert.False(call.IsStopped);

        if (copyTo)
        {
            // HttpContent.CopyToAsync wraps the body's HttpIOException in an HttpRequestException.
            await Assert.ThrowsAsync<HttpRequestException>(() => response.Content.CopyToAsync(Stream.Null).WithTimeout());
        }
        else
        {
            var stream = await response.Content.ReadAsStreamAsync();
            await Assert.ThrowsAsync<HttpIOException>(() => stream.CopyToAsync(Stream.Null).WithTimeout());
        }

        await capture.StoppedAsync(call);
        Assert.Equal(ActivityStatusCode.Error, call.Status);
        Assert.Equal("response_ended", call.GetTagItem("error.type"));
        Assert.Equal(1200L, call.GetTagItem("http.response.body.size"));
        Assert.Equal(200, call.GetTagItem("http.response.status_code"));
        Assert.Equal(1200d, Assert.Single(capture.Of("http.client.response.body.size")).Value);
    }

    [Fact]
    public async Task Call_HttpClientTimeoutBeforeHeaders_ActivityStopsWithTaskCanceledException()
    {
        var server = await LoopbackServer.Shared;
        using var capture = new TelemetryCapture();
        using var client = new HttpClient(new EventingHandler(new SocketsHttpHandler())) { Timeout = TimeSpan.FromMilliseconds(200) };

        await Assert.ThrowsAsync<TaskCanceledException>(() => client.GetAsync(server.Url("hang")).WithTimeout());

        var call = Assert.Single(capture.CallActivities);
        await capture.StoppedAsync(call);
        Assert.Equal(ActivityStatusCode.Error, call.Status);
        Assert.Equal("System.Threading.Tasks.TaskCanceledException", call.GetTagItem("error.type"));
        Assert.Null(call.GetTagItem("http.response.status_code"));
    }

    [Fact]
    public async Task Call_CanceledMidBody_ActivityStopsWithTheCancellationTypeAsErrorType()
    {
        var server = await LoopbackServer.Shared;
        using var capture = new TelemetryCapture();
        using var client = new HttpClient(new EventingHandler(new SocketsHttpHandler()));
        using var cts = new CancellationTokenSource();
        using var response = await client.GetAsync(server.Url("hang-body/100000?send=1000"), HttpCompletionOption.ResponseHeadersRead).WithTimeout();
        var stream = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[1000];
        await stream.ReadExactlyAsync(buffer).AsTask().WithTimeout();
        var call = Assert.Single(capture.CallActivities);
        Assert.False(call.IsStopped);

        var read = stream.ReadAsync(buffer, cts.Token).AsTask();
        await cts.CancelAsync();
        var canceled = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read.WithTimeout());

        await capture.StoppedAsync(call);
        Assert.Equal(ActivityStatusCode.Error, call.Status);
        Assert.Equal(canceled.GetType().FullName, call.GetTagItem("error.type"));
        Assert.Equal("System.Threading.Tasks.TaskCanceledException", call.GetTagItem("error.type"));
        Assert.Equal(1000L, call.GetTagItem("http.response.body.size"));
    }

    [Fact]
    public async Task Call_AbortedMidBody_ActivityStopsAtTheAbort()
    {
        var server = await LoopbackServer.Shared;
        using var capture = new TelemetryCapture();
        using var client = new HttpClient(new EventingHandler(new SocketsHttpHandler()));
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url("hang-body/100000?send=1000"));
        var httpCall = HttpCall.For(request);
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WithTimeout();
        var call = Assert.Single(capture.CallActivities);
        Assert.False(call.IsStopped);

        httpCall.Abort();

        await capture.StoppedAsync(call);
        Assert.Equal(ActivityStatusCode.Error, call.Status);
        Assert.Equal(typeof(OperationCanceledException).FullName, call.GetTagItem("error.type"));
        Assert.Equal(typeof(OperationCanceledException).FullName, Assert.Single(capture.Of("handlers.eventing.call.duration")).Tags["error.type"]);
    }

    [Fact]
    public async Task Call_DisposedUnread_ActivityStopsAtTheDisposal()
    {
        var server = await LoopbackServer.Shared;
        using var capture = new TelemetryCapture();
        using var client = new HttpClient(new EventingHandler(new SocketsHttpHandler()));
        var response = await client.GetAsync(server.Url("hang-body/100000?send=1000"), HttpCompletionOption.ResponseHeadersRead).WithTimeout();
        var call = Assert.Single(capture.CallActivities);
        Assert.False(call.IsStopped);

        response.Dispose();

        await capture.StoppedAsync(call);
        Assert.Equal(ActivityStatusCode.Error, call.Status);
        Assert.Equal(typeof(HttpCallAbandonedException).FullName, call.GetTagItem("error.type"));
        Assert.DoesNotContain("handlers.eventing.body.end", call.Events.Select(e => e.Name));
    }

    [Fact]
    public async Task Call_RetriedByPolly_OneCallActivityParentOfEveryAttemptWithRetryEvents()
    {
        var server = await LoopbackServer.Shared;
        using var capture = new TelemetryCapture(runtime: true);
        var services = new ServiceCollection();
        services.AddHttpClient("retried").AddTestRetry().AddEventing();
        using var provider = services.BuildServiceProvider();
        using var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("retried");

        using var response = await client.GetAsync(server.Url($"flaky/{LoopbackServer.NewKey()}?failures=2&status=503&n=10")).WithTimeout();

        var call = Assert.Single(capture.CallActivities);
        await capture.StoppedAsync(call);
        Assert.Equal(3, capture.RuntimeActivities.Count);
        Assert.All(capture.RuntimeActivities, attempt => Assert.Same(call, attempt.Parent));
        Assert.Equal(2, call.GetTagItem("http.request.resend_count"));
        Assert.Equal(200, call.GetTagItem("http.response.status_code"));
        Assert.Equal(ActivityStatusCode.Unset, call.Status);
        Assert.Equal(
            ["headers 1", "retry 2", "headers 2", "retry 3", "headers 3", "body.end 3"],
            call.Events.Select(e => $"{e.Name["handlers.eventing.".Length..]} {e.Tags.First(t => t.Key == "handlers.eventing.attempt").Value}"));
        var retries = call.Events.Where(e => e.Name == "handlers.eventing.retry").ToList();
        Assert.Equal([2, 3], retries.Select(e => e.Tags.First(t => t.Key == "handlers.eventing.attempt").Value));
        Assert.All(retries, e => Assert.Equal("retry", e.Tags.First(t => t.Key == "handlers.eventing.attempt.kind").Value));
        Assert.All(retries, e => Assert.Equal(503, e.Tags.First(t => t.Key == "http.response.status_code").Value));
        Assert.Equal(3, call.Events.Count(e => e.Name == "handlers.eventing.headers"));
        Assert.Single(capture.Of("handlers.eventing.call.duration"));
    }

    [Fact]
    public async Task Call_HedgedWithAnAnnouncedDelay_OneCallActivityParentOfBothAttemptsWithAHedgeEvent()
    {
        var server = await LoopbackServer.Shared;
        using var capture = new TelemetryCapture(runtime: true);
        var services = new ServiceCollection();
        services.AddHttpClient("hedged").AddHttpMessageHandler(() => new AnnouncedHedgingHandler()).AddEventing();
        using var provider = services.BuildServiceProvider();
        using var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("hedged");

        using var response = await client.GetAsync(server.Url("bytes/3000"), HttpCompletionOption.ResponseHeadersRead).WithTimeout();
        var call = Assert.Single(capture.CallActivities);
        Assert.False(call.IsStopped, "the loser's disposal does not end the call");
        await response.Content.CopyToAsync(Stream.Null).WithTimeout();

        await capture.StoppedAsync(call);
        Assert.Equal(2, capture.RuntimeActivities.Count);
        Assert.All(capture.RuntimeActivities, attempt => Assert.Same(call, attempt.Parent));
        var hedge = Assert.Single(call.Events, e => e.Name == "handlers.eventing.retry");
        var tags = hedge.Tags.ToDictionary(t => t.Key, t => t.Value);
        Assert.Equal("hedge", tags["handlers.eventing.attempt.kind"]);
        Assert.Equal(2, tags["handlers.eventing.attempt"]);
        Assert.Equal(0.25, tags["handlers.eventing.retry.delay"]);
        Assert.Equal(1, call.GetTagItem("http.request.resend_count"));
        Assert.Equal(2, Assert.Single(call.Events, e => e.Name == "handlers.eventing.body.end").Tags.First(t => t.Key == "handlers.eventing.attempt").Value);
        Assert.Equal(ActivityStatusCode.Unset, call.Status);
        Assert.Single(capture.Of("handlers.eventing.call.duration"));
    }

    [Fact]
    public async Task Send_Synchronous_CallActivityIsParentOfTheAttempt()
    {
        var server = await LoopbackServer.Shared;
        using var capture = new TelemetryCapture(runtime: true);
        using var client = new HttpClient(new EventingHandler(new SocketsHttpHandler()));
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url("bytes/5000"));

        using (var response = client.Send(request))
        {
            response.Content.ReadAsStream().CopyTo(Stream.Null);
        }

        var call = Assert.Single(capture.CallActivities);
        var attempt = Assert.Single(capture.RuntimeActivities);
        await capture.StoppedAsync(call);
        Assert.Same(call, attempt.Parent);
        Assert.Equal(5000L, call.GetTagItem("http.response.body.size"));
        Assert.Null(Activity.Current);
    }

    [Fact]
    public async Task Call_OnlyTheRuntimeListened_CreatesNoCallActivityAndMeasuresNothing()
    {
        var server = await LoopbackServer.Shared;
        using var capture = new TelemetryCapture(library: false, runtime: true);
        using var client = new HttpClient(new EventingHandler(new SocketsHttpHandler()));

        using var response = await client.GetAsync(server.Url("bytes/100")).WithTimeout();

        Assert.Null(Assert.Single(capture.RuntimeActivities).Parent);
        Assert.Null(Activity.Current);
        Assert.Single(capture.Of(TelemetryCapture.RuntimeSourceName, "http.client.request.duration"));
        Assert.Empty(capture.Of("handlers.eventing.call.duration"));
    }

    /// <summary>
    /// Hedging as a strategy reports it: announces a hedged attempt with its delay, sends two attempts on copies of the request
    /// (options included), keeps the second and disposes the first unread.
    /// </summary>
    private sealed class AnnouncedHedgingHandler : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var first = base.SendAsync(Copy(request), cancellationToken);
            HttpCall.For(request).ReportAttemptDecided(HttpAttemptKind.Hedge, TimeSpan.FromMilliseconds(250), previousError: null, previousStatusCode: null);
            var second = base.SendAsync(Copy(request), cancellationToken);
            var responses = await Task.WhenAll(first, second);
            responses[0].Dispose();
            return responses[1];
        }

        private static HttpRequestMessage Copy(HttpRequestMessage request)
        {
            var copy = new HttpRequestMessage(request.Method, request.RequestUri);
            foreach (var option in request.Options)
            {
                ((IDictionary<string, object?>)copy.Options)[option.Key] = option.Value;
            }

            return copy;
        }
    }
}
