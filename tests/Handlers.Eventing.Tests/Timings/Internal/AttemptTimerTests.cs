using System.Diagnostics;
using System.Diagnostics.Tracing;
using System.Net;
using Handlers.Eventing.Internal;
using Handlers.Eventing.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Handlers.Eventing.Tests.Timings;

/// <summary>
/// The attempt timer against real Kestrel on 127.0.0.1, driven by <see cref="TimingTestHandler"/> the way the attempt
/// handler drives it: HTTP/1.1, HTTPS with a self-signed certificate, h2c, reuse, queueing and a refused connection.
/// </summary>
[Collection(TimingsCollection.Name)]
public sealed class AttemptTimerTests
{
    private readonly ITestOutputHelper _output;

    public AttemptTimerTests(ITestOutputHelper output) => _output = output;

    // Each phase is converted from Stopwatch ticks on its own; the sum may differ from Total by one TimeSpan tick per phase.
    private static readonly TimeSpan Rounding = TimeSpan.FromTicks(8);

    [Fact]
    public async Task Http11_FirstCall_HasDnsAndConnectAndIsNotReused()
    {
        var server = await TimingsServer.Shared;
        using var client = NewClient(new SocketsHttpHandler());
        var localhost = new Uri($"http://localhost:{server.Http.Port}/hi");

        var (atHeaders, final) = await TimeAsync(client, new HttpRequestMessage(HttpMethod.Get, localhost));

        Assert.False(final.ConnectionReused);
        Assert.NotNull(final.ConnectionId);
        Assert.True(final.Dns > TimeSpan.Zero, $"dns: {final}");
        Assert.True(final.Connect > TimeSpan.Zero, $"connect: {final}");
        Assert.Null(final.Tls);
        Assert.Equal(HttpVersion.Version11, final.HttpVersion);
        Assert.NotNull(final.Request);
        Assert.NotNull(final.FirstByte);
        Assert.NotNull(final.Download);
        AssertConsecutive(final);

        // At the headers the body has not ended: no download and no total yet, the rest as at the end.
        Assert.Null(atHeaders.Download);
        Assert.Null(atHeaders.Total);
        Assert.Equal(final.Connect, atHeaders.Connect);
        Assert.Equal(final.FirstByte, atHeaders.FirstByte);
    }

    [Fact]
    public async Task Http11_SecondCall_ReusesTheConnectionWithoutSetupPhases()
    {
        var server = await TimingsServer.Shared;
        using var client = NewClient(new SocketsHttpHandler());

        var (_, first) = await TimeAsync(client, Get(server.Http, "hi"));
        var (_, second) = await TimeAsync(client, Get(server.Http, "hi"));

        Assert.False(first.ConnectionReused);
        Assert.True(first.Connect > TimeSpan.Zero, first.ToString());
        Assert.True(second.ConnectionReused, second.ToString());
        Assert.Equal(first.ConnectionId, second.ConnectionId);
        Assert.Null(second.Dns);
        Assert.Null(second.Connect);
        Assert.Null(second.Tls);
        Assert.NotNull(second.Queued);
        AssertConsecutive(second);
    }

    [Fact]
    public async Task Https_FirstCall_HasTlsThenSecondCallReuses()
    {
        var server = await TimingsServer.Shared;
        using var client = NewClient(TimingsServer.TrustingHandler());

        var (_, first) = await TimeAsync(client, Get(server.Https, "hi"));
        var (_, second) = await TimeAsync(client, Get(server.Https, "hi"));

        Assert.False(first.ConnectionReused);
        Assert.True(first.Connect > TimeSpan.Zero, first.ToString());
        Assert.True(first.Tls > TimeSpan.Zero, first.ToString());
        Assert.Null(first.Dns); // an IP literal
        AssertConsecutive(first);

        Assert.True(second.ConnectionReused, second.ToString());
        Assert.Equal(first.ConnectionId, second.ConnectionId);
        Assert.Null(second.Connect);
        Assert.Null(second.Tls);
        AssertConsecutive(second);
    }

    [Fact]
    public async Task Http11_MaxConnectionsPerServerOne_TheSecondConcurrentCallIsQueued()
    {
        var server = await TimingsServer.Shared;
        using var client = NewClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1 });
        var key = TimingsServer.NewKey();
        var a = Get(server.Http, $"hold/{key}");
        var b = Get(server.Http, $"hold/{key}");

        // Both sends have entered the pool when SendAsync returns its task: one has the only connection (held by the
        // server until Release), the other waits for it.
        var sendA = client.SendAsync(a, HttpCompletionOption.ResponseHeadersRead);
        var sendB = client.SendAsync(b, HttpCompletionOption.ResponseHeadersRead);
        server.Release(key);

        var firstDone = await Task.WhenAny(sendA, sendB).WithTimeout();
        var (served, queuedRequest, queuedSend) = firstDone == sendA ? (a, b, sendB) : (b, a, sendA);
        var servedTimings = await EndAsync(served, await firstDone);
        var queuedTimings = await EndAsync(queuedRequest, await queuedSend.WithTimeout());

        Assert.False(servedTimings.ConnectionReused, servedTimings.ToString());
        Assert.True(servedTimings.Connect > TimeSpan.Zero, servedTimings.ToString());
        Assert.True(queuedTimings.ConnectionReused, queuedTimings.ToString());
        Assert.Equal(servedTimings.ConnectionId, queuedTimings.ConnectionId);
        Assert.Null(queuedTimings.Connect);

        // The queued attempt got the connection only after the served one's body was read, so it waited at least from its
        // own start to the served one's headers.
        var mustHaveWaited = Stopwatch.GetElapsedTime(
            TimingTestHandler.Of(queuedRequest).Timer.StartTimestamp,
            TimingTestHandler.Of(served).Timer.HeadersTimestamp);
        Assert.True(mustHaveWaited > TimeSpan.Zero);
        Assert.True(queuedTimings.Queued >= mustHaveWaited, $"queued {queuedTimings.Queued} < {mustHaveWaited}: {queuedTimings}");
        AssertConsecutive(servedTimings);
        AssertConsecutive(queuedTimings);
    }

    [Fact]
    public async Task Http2_ConcurrentCalls_ShareOneConnection()
    {
        var server = await TimingsServer.Shared;
        using var client = NewClient(new SocketsHttpHandler());
        var key = TimingsServer.NewKey();
        var a = Get(server.H2c, $"hold/{key}", HttpVersion.Version20);
        var b = Get(server.H2c, $"hold/{key}", HttpVersion.Version20);

        var sendA = client.SendAsync(a, HttpCompletionOption.ResponseHeadersRead);
        var sendB = client.SendAsync(b, HttpCompletionOption.ResponseHeadersRead);
        server.Release(key);
        var timingsA = await EndAsync(a, await sendA.WithTimeout());
        var timingsB = await EndAsync(b, await sendB.WithTimeout());

        Assert.Equal(HttpVersion.Version20, timingsA.HttpVersion);
        Assert.Equal(HttpVersion.Version20, timingsB.HttpVersion);
        Assert.NotNull(timingsA.ConnectionId);
        Assert.Equal(timingsA.ConnectionId, timingsB.ConnectionId);

        // The stream sent first on the new connection is credited with its setup; the other one reused it.
        var (opened, reused) = timingsA.ConnectionReused == false ? (timingsA, timingsB) : (timingsB, timingsA);
        Assert.False(opened.ConnectionReused, $"{timingsA} / {timingsB}");
        Assert.True(opened.Connect > TimeSpan.Zero, opened.ToString());
        Assert.True(reused.ConnectionReused, reused.ToString());
        Assert.Null(reused.Connect);
        AssertConsecutive(opened);
        AssertConsecutive(reused);

        // A later call on the same client multiplexes on the same connection.
        var (_, third) = await TimeAsync(client, Get(server.H2c, "hi", HttpVersion.Version20));
        Assert.True(third.ConnectionReused);
        Assert.Equal(timingsA.ConnectionId, third.ConnectionId);
    }

    [Fact]
    public async Task RefusedConnection_ErrorTimingsCarryTheConnectPhase()
    {
        using var client = NewClient(new SocketsHttpHandler());
        var request = new HttpRequestMessage(HttpMethod.Get, LoopbackServer.RefusedAddress());

        await Assert.ThrowsAsync<HttpRequestException>(() => client.SendAsync(request));

        var timings = TimingTestHandler.Of(request).AtError;
        Assert.NotNull(timings);
        Assert.True(timings.Connect > TimeSpan.Zero, timings.ToString());
        Assert.NotNull(timings.Total);
        Assert.Null(timings.ConnectionId);
        Assert.Null(timings.ConnectionReused);
        Assert.Null(timings.Request);
        Assert.Null(timings.FirstByte);
        Assert.Null(timings.Download);
        AssertConsecutive(timings);
    }

    [Fact]
    public async Task TransportWithoutEvents_OnlyDownloadAndTotalAreKnown()
    {
        using var client = NewClient(InlineHandler.Generating(1000, declareLength: true));
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri("http://in-memory.test/"));

        var (_, timings) = await TimeAsync(client, request);

        Assert.Null(timings.Queued);
        Assert.Null(timings.Connect);
        Assert.Null(timings.Request);
        Assert.Null(timings.FirstByte);
        Assert.Null(timings.ConnectionId);
        Assert.Null(timings.ConnectionReused);
        Assert.NotNull(timings.Download);
        Assert.NotNull(timings.Total);
    }

    [Fact]
    public async Task Upload_RequestPhaseEndsWhenTheContentIsWritten()
    {
        var server = await TimingsServer.Shared;
        using var client = NewClient(new SocketsHttpHandler());
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server.Http, "echo"))
        {
            Content = new ByteArrayContent(new byte[256 * 1024]),
        };

        var (_, timings) = await TimeAsync(client, request);

        Assert.NotNull(timings.Request);
        Assert.NotNull(timings.FirstByte);
        AssertConsecutive(timings);
    }

    [Fact]
    public async Task Send_SyncPath_CollectsAndRestoresTheFlow()
    {
        var server = await TimingsServer.Shared;
        using var invoker = new HttpMessageInvoker(new TimingTestHandler(new SocketsHttpHandler()));
        var request = Get(server.Http, "hi");

        using (var response = invoker.Send(request, CancellationToken.None))
        {
            Assert.Null(AttemptTimer.Current);
            await response.Content.ReadAsByteArrayAsync();
        }

        var timings = TimingTestHandler.Of(request).End();
        Assert.False(timings.ConnectionReused);
        Assert.True(timings.Connect > TimeSpan.Zero, timings.ToString());
        AssertConsecutive(timings);
    }

    [Fact]
    public async Task SendAsync_AfterTheHandlerReturned_NoTimerIsCurrent()
    {
        var server = await TimingsServer.Shared;
        using var client = NewClient(new SocketsHttpHandler());

        var (_, timings) = await TimeAsync(client, Get(server.Http, "hi"));

        Assert.Null(AttemptTimer.Current);
        Assert.NotNull(timings.Total);
    }

    [Fact]
    public async Task TimingsOff_NoListenerIsEnabled()
    {
        var server = await TimingsServer.Shared;
        Assert.True(TimingsListenerHost.TryStopNow());

        using (var client = new HttpClient(new SocketsHttpHandler()))
        {
            using var response = await client.GetAsync(new Uri(server.Http, "hi"));
            await response.Content.ReadAsByteArrayAsync();
        }

        Assert.False(TimingsListenerHost.IsListening);
        var http = EventSource.GetSources().Single(static s => s.Name == "System.Net.Http");
        Assert.False(http.IsEnabled());
    }

    [Fact]
    public async Task TimingsOn_ListenerIsEnabledAndStopsWhenIdle()
    {
        var server = await TimingsServer.Shared;
        Assert.True(TimingsListenerHost.TryStopNow());
        using var client = NewClient(new SocketsHttpHandler());
        var request = Get(server.Http, "hi");

        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.True(TimingsListenerHost.IsListening);
        Assert.False(TimingsListenerHost.TryStopNow()); // the attempt still runs
        await response.Content.ReadAsByteArrayAsync();
        TimingTestHandler.Of(request).End();

        Assert.True(TimingsListenerHost.TryStopNow());
        Assert.False(TimingsListenerHost.IsListening);
    }

    [Fact]
    public void Snapshot_SetupEndedBeforeTheAttemptStarted_CreditsNothingButTheConnectionIsNew()
    {
        var timer = AttemptTimer.Start();
        try
        {
            var start = timer.StartTimestamp;
            var setup = new ConnectionSetup { ConnectStart = start - 3000, ConnectEnd = start - 2000, TlsStart = start - 1900, TlsEnd = start - 1000, Established = start - 900 };
            timer.OnConnectionAcquired(new TrackedConnection(42, HttpVersion.Version11, setup), first: true, Stopwatch.GetTimestamp());

            var timings = timer.Snapshot();

            Assert.Equal(42, timings.ConnectionId);
            Assert.False(timings.ConnectionReused);
            Assert.Null(timings.Connect);
            Assert.Null(timings.Tls);
            Assert.NotNull(timings.Queued);
        }
        finally
        {
            timer.OnEnd();
            timer.RestoreFlow();
        }
    }

    [Fact]
    public void Snapshot_SetupStartedBeforeTheAttempt_IsClippedToTheAttempt()
    {
        var timer = AttemptTimer.Start();
        try
        {
            var start = timer.StartTimestamp;
            var acquired = start + Stopwatch.Frequency / 100; // 10 ms after the start
            var connectEnd = start + Stopwatch.Frequency / 200; // 5 ms after the start
            var setup = new ConnectionSetup { ConnectStart = start - Stopwatch.Frequency, ConnectEnd = connectEnd, Established = connectEnd };
            timer.OnConnectionAcquired(new TrackedConnection(7, HttpVersion.Version11, setup), first: true, acquired);

            var timings = timer.Snapshot();

            Assert.Equal(Stopwatch.GetElapsedTime(start, connectEnd), timings.Connect);
            Assert.Equal(Stopwatch.GetElapsedTime(connectEnd, acquired), timings.Queued);
        }
        finally
        {
            timer.OnEnd();
            timer.RestoreFlow();
        }
    }

    private static HttpClient NewClient(HttpMessageHandler transport) => new(new TimingTestHandler(transport));

    private static HttpRequestMessage Get(Uri baseAddress, string path, Version? version = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri(baseAddress, path));
        if (version is not null)
        {
            request.Version = version;
            request.VersionPolicy = HttpVersionPolicy.RequestVersionExact;
        }

        return request;
    }

    private static async Task<(HttpTimings AtHeaders, HttpTimings Final)> TimeAsync(HttpClient client, HttpRequestMessage request)
    {
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WithTimeout();
        var final = await EndAsync(request, response);
        return (TimingTestHandler.Of(request).AtHeaders!, final);
    }

    private static async Task<HttpTimings> EndAsync(HttpRequestMessage request, HttpResponseMessage response)
    {
        using (response)
        {
            response.EnsureSuccessStatusCode();
            await response.Content.ReadAsByteArrayAsync().WithTimeout();
        }

        return TimingTestHandler.Of(request).End();
    }

    private void AssertConsecutive(HttpTimings timings)
    {
        _output.WriteLine(timings.ToString());
        TimeSpan?[] phases = [timings.Queued, timings.Dns, timings.Connect, timings.Tls, timings.Request, timings.FirstByte, timings.Download];
        var sum = TimeSpan.Zero;
        foreach (var phase in phases)
        {
            Assert.True(phase is null || phase >= TimeSpan.Zero, timings.ToString());
            sum += phase ?? TimeSpan.Zero;
        }

        Assert.NotNull(timings.Total);
        Assert.True(sum <= timings.Total + Rounding, $"phases {sum} > total: {timings}");
        if (timings.Download is not null)
        {
            // A complete attempt: the phases tile its whole time.
            Assert.True(sum >= timings.Total - Rounding, $"phases {sum} < total: {timings}");
        }
    }
}
