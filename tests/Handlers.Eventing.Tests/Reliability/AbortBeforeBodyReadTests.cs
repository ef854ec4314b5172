using Handlers.Eventing.Tests.Infrastructure;

namespace Handlers.Eventing.Tests.Reliability;

/// <summary>
/// Regression (found by the soak's "abort racing the body"): an Abort() that lands after the headers but before the caller
/// opened the body made the next ReadAsStream throw ObjectDisposedException (the aborted content) instead of the abort
/// exception, and CreateCall(...).SendAsync() threw it too.
/// </summary>
public sealed class AbortBeforeBodyReadTests
{
    [Fact]
    public async Task Abort_AfterHeadersBeforeReadAsStreamAsync_OpeningTheBodyThrowsTheAbortException()
    {
        var server = await LoopbackServer.Shared;
        using var client = new HttpClient(new EventingHandler(new SocketsHttpHandler()));
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url("bytes/64000"));
        var recorder = new EventRecorder(HttpCall.For(request));
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WithTimeout();

        recorder.Call.Abort();

        var ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => response.Content.ReadAsStreamAsync()).WithTimeout();
        Assert.Same(recorder.Call.Response.Error, ex);
        Assert.Equal("httpHeaders:200,error,complete:True", recorder.Compact());
    }

    [Fact]
    public async Task Abort_AfterHeadersBeforeSyncReadAsStream_OpeningTheBodyThrowsTheAbortException()
    {
        var server = await LoopbackServer.Shared;
        using var client = new HttpClient(new EventingHandler(new SocketsHttpHandler()));
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url("bytes/64000"));
        var recorder = new EventRecorder(HttpCall.For(request));
        using var response = await Task.Run(() => client.Send(request, HttpCompletionOption.ResponseHeadersRead)).WithTimeout();

        recorder.Call.Abort();

        var ex = Assert.ThrowsAny<OperationCanceledException>(() => response.Content.ReadAsStream());
        Assert.Same(recorder.Call.Response.Error, ex);
        Assert.Equal("httpHeaders:200,error,complete:True", recorder.Compact());
    }
}
