using System.Net;
using Handlers.Eventing.Tests.Infrastructure;

namespace Handlers.Eventing.Tests.Calls;

/// <summary>
/// <see cref="HttpCall.SendAsync"/> at its edges, in memory: what it throws is what <see cref="HttpClient"/> would throw, and
/// a client it cannot observe is refused with help. Found by mutation testing (docs/testing.md).
/// </summary>
public class HttpCallSendEdgeTests
{
    private const string Url = "http://example.test/send";

    /// <summary>Arranges an AWS-style call whose transport answers 200 with <paramref name="body"/>, with a recorder.</summary>
    private static CallUnderTest StreamingCall(ScriptedStream body, PipelineShape shape) =>
        CallUnderTest.InMemory(
            new InlineHandler(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(body) }), shape, Url, createCall: true);

    [Fact]
    public async Task SendAsync_ClientWithoutEventingHandler_ThrowsInvalidOperationSayingHowToAddIt()
    {
        using var client = new HttpClient(new InlineHandler(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(new byte[10]) }));
        var call = client.CreateCall(HttpMethod.Get, Url);

        var thrown = await Assert.ThrowsAsync<InvalidOperationException>(() => call.SendAsync()).WithTimeout();

        Assert.Contains("has no EventingHandler in its pipeline", thrown.Message, StringComparison.Ordinal);
        Assert.Contains("new EventingHandler(innerHandler)", thrown.Message, StringComparison.Ordinal);
        Assert.Contains("AddEventing()", thrown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_CallMadeByFor_TheMessageSaysWhyAndTheTwoWaysToSend()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Url);
        var call = HttpCall.For(request);

        var thrown = await Assert.ThrowsAsync<InvalidOperationException>(() => call.SendAsync()).WithTimeout();

        Assert.Contains("made by HttpCall.For(request) and has no HttpClient", thrown.Message, StringComparison.Ordinal);
        Assert.Contains("HttpClient.SendAsync", thrown.Message, StringComparison.Ordinal);
        Assert.Contains("client.CreateCall(...)", thrown.Message, StringComparison.Ordinal);
    }

    [Theory]
    [PipelineShapes]
    public async Task SendAsync_BufferResponseBody_TheCallHasEndedWhenItReturnsAndTheBodyIsKept(PipelineShape shape)
    {
        var body = new ScriptedStream(true, ScriptedStream.Chunk(60), ScriptedStream.Chunk(40));
        using var sut = StreamingCall(body, shape);
        var call = sut.Call;
        call.BufferResponseBody = true;

        var result = await call.SendAsync().WithTimeout();

        Assert.True(call.IsFinished);
        Assert.True(result.IsSuccess);
        Assert.Equal(LoopbackServer.Pattern(100), await result.HttpResponse!.Content.ReadAsByteArrayAsync().WithTimeout());
    }

    [Theory]
    [PipelineShapes(false)]
    [PipelineShapes(true)]
    public async Task SendAsync_CallerCancelsMidBody_TaskCanceledCarryingTheCallersToken(bool buffer, PipelineShape shape)
    {
        var body = new ScriptedStream(true, ScriptedStream.Chunk(10), ScriptedStream.Pending());
        using var sut = StreamingCall(body, shape);
        using var caller = new CancellationTokenSource();
        var call = sut.Call;
        call.BufferResponseBody = buffer;
        var recorder = sut.Recorder;

        var sending = call.SendAsync(caller.Token);
        await body.PendingStarted.WithTimeout();
        await caller.CancelAsync();

        var thrown = await Assert.ThrowsAsync<TaskCanceledException>(() => sending).WithTimeout();
        Assert.Equal(caller.Token, thrown.CancellationToken);
        Assert.IsNotType<TimeoutException>(thrown.InnerException);
        Assert.IsAssignableFrom<OperationCanceledException>(call.Response.Error);
        Assert.Empty(recorder.HttpErrors);
        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,error,complete:True", recorder.Compact());
        Assert.True(body.Disposals > 0, "The response SendAsync did not return is released.");
    }

    [Theory]
    [PipelineShapes]
    public async Task SendAsync_TimeoutMidBody_TaskCanceledWithATimeoutInnerAndTheTimeoutInTheMessage(PipelineShape shape)
    {
        var body = new ScriptedStream(true, ScriptedStream.Chunk(10), ScriptedStream.Pending());
        using var sut = StreamingCall(body, shape);
        sut.Client.Timeout = TimeSpan.FromMilliseconds(200);
        var call = sut.Call;
        var recorder = sut.Recorder;

        var thrown = await Assert.ThrowsAsync<TaskCanceledException>(() => call.SendAsync()).WithTimeout();

        Assert.IsType<TimeoutException>(thrown.InnerException);
        Assert.Contains("HttpClient.Timeout of 0.2 seconds", thrown.Message, StringComparison.Ordinal);
        Assert.Equal(1, recorder.Count("error"));
        Assert.Equal(1, recorder.Count("complete"));
    }

    [Theory]
    [PipelineShapes]
    public async Task SendAsync_TransportFailureMidBody_ThrowsWhatHttpClientBufferingThrows(PipelineShape shape)
    {
        var failure = new IOException("The connection was reset.");
        HttpResponseMessage Respond(HttpRequestMessage _) => new(HttpStatusCode.OK)
        {
            Content = new StreamContent(new ScriptedStream(true, ScriptedStream.Chunk(10), ScriptedStream.Fail(failure))),
        };

        using var plain = new HttpClient(new InlineHandler(Respond));
        using var sut = CallUnderTest.InMemory(new InlineHandler(Respond), shape, Url, createCall: true, record: false);
        var call = sut.Call;

        var expected = await Assert.ThrowsAnyAsync<Exception>(() => plain.GetAsync(Url)).WithTimeout();
        var thrown = await Assert.ThrowsAnyAsync<Exception>(() => call.SendAsync()).WithTimeout();

        Assert.Equal(expected.GetType(), thrown.GetType());
        Assert.Same(failure, thrown.InnerException);
        Assert.Same(thrown, call.Response.Error);
    }
}
