using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using System.Net;
using Handlers.Eventing.Internal;
using Handlers.Eventing.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Handlers.Eventing.Tests.Timings;

/// <summary>
/// <see cref="HttpTimings"/> end to end: through <c>new EventingHandler(...)</c> and <c>AddEventing(o => o.CollectTimings = true)</c>
/// against real Kestrel on 127.0.0.1, on <see cref="HttpHeadersEvent.Timings"/>, <see cref="HttpErrorEvent.Timings"/> and
/// <see cref="HttpCallResponse.Timings"/>; and nothing at all when timings are off.
/// </summary>
[Collection(TimingsCollection.Name)]
public sealed class HttpTimingsTests
{
    private readonly ITestOutputHelper _output;

    public HttpTimingsTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public async Task EventingHandler_CollectTimings_HeadersEventAndResponseCarryTheAttemptsTimings()
    {
        var server = await TimingsServer.Shared;
        using var client = new HttpClient(new EventingHandler(new SocketsHttpHandler(), new EventingOptions { CollectTimings = true }));
        HttpTimings? atHeaders = null;

        var response = await client.CreateCall(HttpMethod.Get, new Uri(server.Http, "hi"))
            .On(HttpEvents.HttpHeaders, e => atHeaders = e.Timings)
            .SendAsync();

        var timings = response.Timings;
        _output.WriteLine(timings?.ToString());
        Assert.NotNull(atHeaders);
        Assert.Null(atHeaders.Download);
        Assert.Null(atHeaders.Total);
        Assert.NotNull(timings);
        Assert.NotNull(timings.Download);
        Assert.NotNull(timings.Total);
        Assert.True(timings.Connect > TimeSpan.Zero, timings.ToString());
        Assert.False(timings.ConnectionReused);
        Assert.Equal(atHeaders.ConnectionId, timings.ConnectionId);
        Assert.Equal(atHeaders.FirstByte, timings.FirstByte);
        Assert.True(timings.Total <= response.Duration, $"{timings.Total} > call duration {response.Duration}");
    }

    [Fact]
    public async Task EventingHandler_SecondCall_ReusesTheConnection()
    {
        var server = await TimingsServer.Shared;
        using var client = new HttpClient(new EventingHandler(new SocketsHttpHandler(), new EventingOptions { CollectTimings = true }));

        var first = (await client.CreateCall(HttpMethod.Get, new Uri(server.Http, "hi")).SendAsync()).Timings;
        var second = (await client.CreateCall(HttpMethod.Get, new Uri(server.Http, "hi")).SendAsync()).Timings;

        Assert.NotNull(first);
        Assert.NotNull(second);
        Assert.False(first.ConnectionReused);
        Assert.True(second.ConnectionReused);
        Assert.Equal(first.ConnectionId, second.ConnectionId);
        Assert.Null(second.Connect);
    }

    [Fact]
    public async Task EventingHandler_RefusedConnection_HttpErrorCarriesTheConnectPhase()
    {
        using var client = new HttpClient(new EventingHandler(new SocketsHttpHandler(), new EventingOptions { CollectTimings = true }));
        HttpTimings? atError = null;
        var call = client.CreateCall(HttpMethod.Get, LoopbackServer.RefusedAddress())
            .On(HttpEvents.HttpError, e => atError = e.Timings);

        await Assert.ThrowsAsync<HttpRequestException>(() => call.SendAsync());

        _output.WriteLine(atError?.ToString());
        Assert.NotNull(atError);
        Assert.True(atError.Connect > TimeSpan.Zero, atError.ToString());
        Assert.NotNull(atError.Total);
        Assert.Null(atError.ConnectionId);
        Assert.Same(atError, call.Response.Timings);
    }

    [Fact]
    public async Task EventingHandler_ResetMidBody_HttpErrorCarriesTheTimingsToTheFailure()
    {
        var server = await LoopbackServer.Shared;
        using var client = new HttpClient(new EventingHandler(new SocketsHttpHandler(), new EventingOptions { CollectTimings = true }));
        var key = LoopbackServer.NewKey();
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url($"reset/100000?after=20000&key={key}"));
        HttpTimings? atError = null;
        HttpCall.For(request).On(HttpEvents.HttpError, e => atError = e.Timings);

        using (var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WithTimeout())
        {
            var stream = await response.Content.ReadAsStreamAsync();
            await stream.ReadExactlyAsync(new byte[1000]).AsTask().WithTimeout();
            server.Signal(key);
            await Assert.ThrowsAnyAsync<Exception>(() => stream.CopyToAsync(Stream.Null)).WithTimeout();
        }

        _output.WriteLine(atError?.ToString());
        Assert.NotNull(atError);
        Assert.NotNull(atError.FirstByte);
        Assert.NotNull(atError.Download);
        Assert.NotNull(atError.Total);
        Assert.Equal(atError.Total, HttpCall.For(request).Response.Timings?.Total);
    }

    [Fact]
    public async Task EventingHandler_SyncSend_CollectsTimingsAndLeavesNoTimerOnTheFlow()
    {
        var server = await TimingsServer.Shared;
        using var client = new HttpClient(new EventingHandler(new SocketsHttpHandler(), new EventingOptions { CollectTimings = true }));
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(server.Http, "hi"));

        using (var response = client.Send(request))
        {
            Assert.Null(AttemptTimer.Current);
        }

        var timings = HttpCall.For(request).Response.Timings;
        Assert.NotNull(timings);
        Assert.NotNull(timings.Total);
        Assert.True(timings.Connect > TimeSpan.Zero, timings.ToString());
    }

    [Fact]
    public async Task AddEventing_CollectTimingsWithRetries_EachAttemptHasItsOwnTimingsOnOneConnection()
    {
        var server = await LoopbackServer.Shared;
        var attempts = new ConcurrentQueue<HttpHeadersEvent>();
        HttpCallResponse? done = null;
        using var services = new ServiceCollection()
            .AddHttpClient("timed")
            .AddEventing(o =>
            {
                o.CollectTimings = true;
                o.OnCall(call => call
                    .On(HttpEvents.HttpHeaders, attempts.Enqueue)
                    .On(HttpEvents.Complete, r => done = r));
            })
            .AddTestRetry(maxRetryAttempts: 2)
            .Services.BuildServiceProvider();
        using var client = services.GetRequiredService<IHttpClientFactory>().CreateClient("timed");

        using var response = await client.GetAsync(server.Url($"flaky/{LoopbackServer.NewKey()}?failures=1&n=100"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var headers = attempts.ToArray();
        Assert.Equal(2, headers.Length);
        Assert.All(headers, h => Assert.NotNull(h.Timings));
        Assert.False(headers[0].Timings!.ConnectionReused);
        Assert.True(headers[1].Timings!.ConnectionReused);
        Assert.Equal(headers[0].Timings!.ConnectionId, headers[1].Timings!.ConnectionId);

        // The call's timings are those of the attempt it returned, to the end of its body.
        Assert.NotNull(done);
        Assert.Equal(2, done.Attempt);
        Assert.NotNull(done.Timings);
        Assert.NotNull(done.Timings.Total);
        Assert.Equal(headers[1].Timings!.FirstByte, done.Timings.FirstByte);
        _output.WriteLine(done.Timings.ToString());
    }

    [Fact]
    public async Task CollectTimingsOff_NothingIsCollectedAndNoListenerIsEnabled()
    {
        var server = await TimingsServer.Shared;
        Assert.True(TimingsListenerHost.TryStopNow());
        using var client = new HttpClient(new EventingHandler(new SocketsHttpHandler()));
        HttpTimings? atHeaders = null;
        var headersSeen = false;

        var response = await client.CreateCall(HttpMethod.Get, new Uri(server.Http, "hi"))
            .On(HttpEvents.HttpHeaders, e => (headersSeen, atHeaders) = (true, e.Timings))
            .SendAsync();

        Assert.True(headersSeen);
        Assert.Null(atHeaders);
        Assert.Null(response.Timings);
        Assert.False(TimingsListenerHost.IsListening);
        Assert.False(EventSource.GetSources().Single(static s => s.Name == "System.Net.Http").IsEnabled());
    }

    [Fact]
    public void ToString_ListsPhasesConnectionAndVersion()
    {
        var timings = new HttpTimings(
            TimeSpan.FromMilliseconds(0.25), dns: null, TimeSpan.FromMilliseconds(1.5), tls: null, TimeSpan.FromMilliseconds(0.1),
            TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(3), TimeSpan.FromMilliseconds(24.85), 7, connectionReused: false, HttpVersion.Version11);

        Assert.Equal(
            "queued 0.3ms, dns -, connect 1.5ms, tls -, request 0.1ms, firstByte 20.0ms, download 3.0ms, total 24.9ms, connection 7 (new), HTTP/1.1",
            timings.ToString());
    }

    [Fact]
    public async Task LogLifecycle_WithCollectTimings_TheEndLineCarriesTheReturnedAttemptsPhases()
    {
        var server = await LoopbackServer.Shared;
        var logs = new CapturingLoggerProvider { MinimumLevel = LogLevel.Information };
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
        services.AddHttpClient("timed").AddEventing(o =>
        {
            o.LogLifecycle = true;
            o.CollectTimings = true;
        });
        using var provider = services.BuildServiceProvider();
        using var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("timed");

        using var response = await client.GetAsync(server.Url("bytes/100")).WithTimeout();

        var end = Assert.Single(logs.ForCategory("Handlers.Eventing.HttpCall.timed"));
        Assert.Equal("CallSucceeded", end.EventId.Name);
        var timings = Assert.IsType<string>(end["Timings"]);
        Assert.StartsWith("queued ", timings, StringComparison.Ordinal);
        Assert.Contains("total ", timings, StringComparison.Ordinal);
        Assert.EndsWith($" (attempt phases: {timings})", end.Message, StringComparison.Ordinal);
    }
}
