using System.Net;
using Handlers.Eventing.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Handlers.Eventing.Tests.Timings;

/// <summary>
/// Issue 19, defect 1: work a listener starts belongs to no call of ours. An <see cref="HttpEvents.HttpHeaders"/> listener
/// that makes its own GET on another <see cref="HttpClient"/> (another server, so a new connection) — awaited synchronously,
/// through the sync <c>Send</c>, or inside <c>Task.Run</c> — leaves the call's timings and connection as they were at its
/// headers: same connection, same phases up to the headers, a download that runs to the last byte.
/// </summary>
[Collection(TimingsCollection.Name)]
public sealed class ListenerWorkTimingsTests
{
    private readonly ITestOutputHelper _output;

    public ListenerWorkTimingsTests(ITestOutputHelper output) => _output = output;

    public enum InnerCall
    {
        AsyncWaited,
        Sync,
        TaskRun,
    }

    [Theory]
    [InlineData(InnerCall.AsyncWaited, false)]
    [InlineData(InnerCall.Sync, false)]
    [InlineData(InnerCall.TaskRun, false)]
    [InlineData(InnerCall.AsyncWaited, true)]
    [InlineData(InnerCall.Sync, true)]
    [InlineData(InnerCall.TaskRun, true)]
    public Task HeadersListener_MakesItsOwnCall_CallKeepsItsConnectionAndPhases(InnerCall kind, bool http2) =>
        ListenerMakesItsOwnCallAsync(kind, http2, inData: false);

    // A chunk is raised on the caller's read, never on the attempt's timing flow; an inner call from a data listener must
    // not reach the attempt either.
    [Theory]
    [InlineData(InnerCall.AsyncWaited, false)]
    [InlineData(InnerCall.Sync, false)]
    [InlineData(InnerCall.AsyncWaited, true)]
    public Task DataListener_MakesItsOwnCall_CallKeepsItsConnectionAndPhases(InnerCall kind, bool http2) =>
        ListenerMakesItsOwnCallAsync(kind, http2, inData: true);

    private async Task ListenerMakesItsOwnCallAsync(InnerCall kind, bool http2, bool inData)
    {
        var server = await TimingsServer.Shared;
        var other = await LoopbackServer.Shared;
        using var client = LoopbackVersions.Client(http2, new EventingHandler(new SocketsHttpHandler(), new EventingOptions { CollectTimings = true }));
        using var otherClient = new HttpClient(new SocketsHttpHandler());
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(http2 ? server.H2c : server.Http, "hi"))
        {
            Version = client.DefaultRequestVersion,
            VersionPolicy = client.DefaultVersionPolicy,
        };
        var call = HttpCall.For(request);
        HttpTimings? atHeaders = null;
        Task<HttpStatusCode>? innerCall = null;
        call.On(HttpEvents.HttpHeaders, e => atHeaders = e.Timings);
        Action startInnerCall = () =>
        {
            var url = other.Url("bytes/10");
            innerCall = kind switch
            {
                InnerCall.AsyncWaited => Task.FromResult(otherClient.GetAsync(url).GetAwaiter().GetResult().StatusCode),
                InnerCall.Sync => Task.FromResult(otherClient.Send(new HttpRequestMessage(HttpMethod.Get, url)).StatusCode),
                _ => Task.Run(async () => (await otherClient.GetAsync(url)).StatusCode),
            };
        };
        if (inData)
        {
            call.On(HttpEvents.HttpData, _ => startInnerCall());
        }
        else
        {
            call.On(HttpEvents.HttpHeaders, _ => startInnerCall());
        }

        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WithTimeout();

        // A headers listener's call ends before the body is read, a data listener's inside the read of the last chunk: either
        // way everything it did happened while the attempt was open.
        if (!inData)
        {
            Assert.Equal(HttpStatusCode.OK, await innerCall!.WithTimeout());
        }

        Assert.Equal("hi", await response.Content.ReadAsStringAsync().WithTimeout());
        Assert.Equal(HttpStatusCode.OK, await innerCall!.WithTimeout());
        var timings = (await call.Completion.WithTimeout()).Timings;

        _output.WriteLine($"at headers: {atHeaders}");
        _output.WriteLine($"at the end: {timings}");
        Assert.NotNull(atHeaders);
        Assert.NotNull(timings);
        Assert.Equal(atHeaders.ConnectionId, timings.ConnectionId);
        Assert.Equal(atHeaders.ConnectionReused, timings.ConnectionReused);
        Assert.Equal(atHeaders.Queued, timings.Queued);
        Assert.Equal(atHeaders.Connect, timings.Connect);
        Assert.Equal(atHeaders.Request, timings.Request);
        Assert.Equal(atHeaders.FirstByte, timings.FirstByte);
        Assert.NotNull(timings.FirstByte);
        Assert.NotNull(timings.Download);
        var phases = (timings.Queued ?? TimeSpan.Zero) + (timings.Dns ?? TimeSpan.Zero) + (timings.Connect ?? TimeSpan.Zero)
            + (timings.Tls ?? TimeSpan.Zero) + (timings.Request ?? TimeSpan.Zero) + (timings.FirstByte ?? TimeSpan.Zero) + timings.Download.Value;
        Assert.True((phases - timings.Total!.Value).Duration() < TimeSpan.FromMilliseconds(1), $"phases add up to {phases}, total is {timings.Total}");
    }
}
