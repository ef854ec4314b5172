using Handlers.Eventing.Tests.Infrastructure;

namespace Handlers.Eventing.Tests.Calls;

// Issue 10, defect 7: a call's own events (the keys of HttpEvents) are raised by the library only. Emit of such a key on an
// HttpCall throws InvalidOperationException and raises nothing; every other key keeps EventEmitter semantics.
public class OwnEventsGuardTests
{
    [Fact]
    public void Emit_CompleteOnUnsentCall_ThrowsAndRaisesNothing()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://example.test/");
        var call = HttpCall.For(request);
        var completes = 0;
        call.On(HttpEvents.Complete, _ => completes++);

        var first = Assert.Throws<InvalidOperationException>(() => call.Emit(HttpEvents.Complete, call.Response));
        Assert.Throws<InvalidOperationException>(() => call.Emit(HttpEvents.Complete, call.Response));

        Assert.Equal(0, completes);
        Assert.False(call.IsFinished);
        Assert.False(call.Completion.IsCompleted);
        Assert.Contains(HttpEvents.Complete.Name, first.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Emit_EveryHttpEventsKey_Throws()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://example.test/");
        var call = HttpCall.For(request);
        using var response = new HttpResponseMessage();
        var raised = 0;
        call.On(HttpEvents.HttpHeaders, _ => raised++).On(HttpEvents.HttpData, _ => raised++)
            .On(HttpEvents.HttpDownloadProgress, _ => raised++).On(HttpEvents.HttpUploadProgress, _ => raised++)
            .On(HttpEvents.HttpError, _ => raised++).On(HttpEvents.HttpDone, _ => raised++).On(HttpEvents.Retry, _ => raised++)
            .On(HttpEvents.Success, _ => raised++).On(HttpEvents.Error, _ => raised++).On(HttpEvents.Complete, _ => raised++);

        Assert.Throws<InvalidOperationException>(() => call.Emit(HttpEvents.HttpHeaders, new HttpHeadersEvent(System.Net.HttpStatusCode.OK, response, call, 1)));
        Assert.Throws<InvalidOperationException>(() => call.Emit(HttpEvents.HttpData, new HttpDataEvent(new byte[1], call, 1)));
        Assert.Throws<InvalidOperationException>(() => call.Emit(HttpEvents.HttpDownloadProgress, new HttpProgress(1, 2, 1)));
        Assert.Throws<InvalidOperationException>(() => call.Emit(HttpEvents.HttpUploadProgress, new HttpProgress(1, 2, 1)));
        Assert.Throws<InvalidOperationException>(() => call.Emit(HttpEvents.HttpError, new HttpErrorEvent(new IOException(), call, 1)));
        Assert.Throws<InvalidOperationException>(() => call.Emit(HttpEvents.HttpDone, call.Response));
        Assert.Throws<InvalidOperationException>(() => call.Emit(HttpEvents.Retry, new HttpRetryEvent(call, 2, HttpAttemptKind.Retry, null, null, null)));
        Assert.Throws<InvalidOperationException>(() => call.Emit(HttpEvents.Success, call.Response));
        Assert.Throws<InvalidOperationException>(() => call.Emit(HttpEvents.Error, call.Response));
        Assert.Throws<InvalidOperationException>(() => call.Emit(HttpEvents.Complete, call.Response));

        Assert.Equal(0, raised);
        Assert.False(call.IsFinished);
    }

    [Fact]
    public void Emit_OtherKeyOnCall_KeepsEmitterSemantics()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://example.test/");
        var call = HttpCall.For(request);
        var custom = new EventKey<int>("custom");
        var seen = new List<int>();

        Assert.False(call.Emit(custom, 1));
        call.On(custom, seen.Add).Once(custom, v => seen.Add(v * 10));
        Assert.True(call.Emit(custom, 2));
        Assert.True(call.Emit(custom, 3));

        Assert.Equal([2, 20, 3], seen);

        // Node's special error event: with no listener, Emit throws the exception itself.
        var failure = new ListenerException();
        Assert.Same(failure, Assert.Throws<ListenerException>(() => call.Emit(EventEmitter.ErrorEvent, (Exception)failure)));
    }

    [Fact]
    public void Emit_HttpEventsKeyOnPlainEmitter_StillEmits()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://example.test/");
        var response = HttpCall.For(request).Response;
        var emitter = new EventEmitter();
        HttpCallResponse? seen = null;
        emitter.On(HttpEvents.Complete, r => seen = r);

        Assert.True(emitter.Emit(HttpEvents.Complete, response));

        Assert.Same(response, seen);
    }

    [Fact]
    public async Task Emit_CompleteOnFinishedCall_ThrowsAndCompleteStaysOnce()
    {
        var server = await LoopbackServer.Shared;
        using var client = new HttpClient(new EventingHandler(new SocketsHttpHandler()));
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url("bytes/10"));
        var recorder = new EventRecorder(HttpCall.For(request));
        using var response = await client.SendAsync(request).WithTimeout();

        Assert.Throws<InvalidOperationException>(() => recorder.Call.Emit(HttpEvents.Complete, recorder.Call.Response));

        Assert.Equal(1, recorder.Count("complete"));
    }
}
