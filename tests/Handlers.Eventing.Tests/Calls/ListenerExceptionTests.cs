using System.Net;
using Handlers.Eventing.Tests.Infrastructure;

namespace Handlers.Eventing.Tests.Calls;

/// <summary>What a throwing listener does to the call (docs/events.md, "Listener exceptions"): AWS's rules, with AWS's bug fixed.</summary>
public class ListenerExceptionTests
{
    [Theory]
    [PipelineShapes]
    public async Task HttpHeaders_ListenerThrows_SendThrowsSameObjectAndOtherListenersRan(PipelineShape shape)
    {
        var thrown = new ListenerException();
        var laterRan = false;
        using var sut = CallUnderTest.InMemory(MockTransport.Responding([1, 2, 3]), shape,
            listen: call => call.On(HttpEvents.HttpHeaders, _ => throw thrown).On(HttpEvents.HttpHeaders, _ => laterRan = true));

        var actual = await Assert.ThrowsAsync<ListenerException>(() => sut.SendAsync()).WithTimeout();

        Assert.Same(thrown, actual);
        Assert.True(laterRan);
        Assert.Equal(["httpHeaders:200", "error", "complete:True"], sut.Recorder.Names);
        Assert.Same(thrown, sut.Call.Response.Error);
        Assert.Empty(sut.Recorder.HttpErrors);
    }

    [Theory]
    [PipelineShapes]
    public async Task HttpHeaders_ListenerThrowsOnEmptyBody_NoHttpDone(PipelineShape shape)
    {
        var thrown = new ListenerException();
        using var sut = CallUnderTest.InMemory(MockTransport.Responding([]), shape, listen: call => call.On(HttpEvents.HttpHeaders, _ => throw thrown));

        var actual = await Assert.ThrowsAsync<ListenerException>(() => sut.SendAsync()).WithTimeout();

        Assert.Same(thrown, actual);
        Assert.Equal(["httpHeaders:200", "error", "complete:True"], sut.Recorder.Names);
        Assert.Same(thrown, sut.Call.Response.Error);
    }

    [Theory]
    [PipelineShapes]
    public async Task HttpHeaders_ListenerThrows_AwsSendAsyncThrowsSameObject(PipelineShape shape)
    {
        var thrown = new ListenerException();
        using var sut = CallUnderTest.InMemory(MockTransport.Responding([1, 2, 3]), shape,
            listen: call => call.On(HttpEvents.HttpHeaders, _ => throw thrown), createCall: true);

        var actual = await Assert.ThrowsAsync<ListenerException>(() => sut.Call.SendAsync()).WithTimeout();

        Assert.Same(thrown, actual);
        Assert.Equal(["httpHeaders:200", "error", "complete:True"], sut.Recorder.Names);
    }

    [Theory]
    [PipelineShapes]
    public async Task HttpHeaders_TwoListenersThrow_FirstThrownSecondReported(PipelineShape shape)
    {
        var reported = new List<(EventKey Key, Exception Exception)>();
        var options = new EventingOptions { ListenerExceptionHandler = (_, key, ex) => reported.Add((key, ex)) };
        var first = new ListenerException("first");
        var second = new ListenerException("second");
        using var sut = CallUnderTest.InMemory(MockTransport.Responding([1]), shape, options: options,
            listen: call => call.On(HttpEvents.HttpHeaders, _ => throw first).On(HttpEvents.HttpHeaders, _ => throw second));

        var actual = await Assert.ThrowsAsync<ListenerException>(() => sut.SendAsync()).WithTimeout();

        Assert.Same(first, actual);
        var (key, exception) = Assert.Single(reported);
        Assert.Same(HttpEvents.HttpHeaders, key);
        Assert.Same(second, exception);
    }

    [Theory]
    [PipelineShapes]
    public async Task HttpData_ListenerThrowsMidBody_ReadThrowsSameObjectNoHttpDone(PipelineShape shape)
    {
        using var sut = await CallUnderTest.LoopbackAsync("bytes/1000000?chunk=4096", shape);
        var thrown = new ListenerException();
        var chunks = 0;
        var otherRan = 0;
        sut.Call.On(HttpEvents.HttpData, _ =>
        {
            if (++chunks == 3)
            {
                throw thrown;
            }
        }).On(HttpEvents.HttpData, _ => otherRan++);
        using var response = await sut.SendAsync(HttpCompletionOption.ResponseHeadersRead).WithTimeout();
        var stream = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[4096];

        var actual = await Assert.ThrowsAsync<ListenerException>(async () =>
        {
            while (await stream.ReadAsync(buffer) > 0)
            {
            }
        }).WithTimeout();

        Assert.Same(thrown, actual);
        Assert.Equal(3, otherRan);
        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,error,complete:True", sut.Recorder.Compact());
        Assert.Equal(0, sut.Recorder.Count("httpDone"));
        Assert.Empty(sut.Recorder.HttpErrors);
        Assert.Same(thrown, sut.Call.Response.Error);

        // The body is faulted after the listener threw: the next read throws the same exception.
        var again = await Assert.ThrowsAsync<ListenerException>(() => stream.ReadAsync(buffer).AsTask()).WithTimeout();
        Assert.Same(thrown, again);
        Assert.Equal(3, chunks);
    }

    [Theory]
    [PipelineShapes]
    public async Task HttpData_ListenerThrowsWhileBuffering_GetAsyncThrowsSameObject(PipelineShape shape)
    {
        using var sut = await CallUnderTest.LoopbackAsync("bytes/500000", shape);
        var thrown = new ListenerException();
        sut.Call.Once(HttpEvents.HttpData, _ => throw thrown);

        var actual = await Assert.ThrowsAsync<ListenerException>(() => sut.SendAsync()).WithTimeout();

        Assert.Same(thrown, actual);
        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,error,complete:True", sut.Recorder.Compact());
        Assert.Equal(1, sut.Recorder.Count("httpData"));
        Assert.Same(thrown, sut.Call.Response.Error);
    }

    [Theory]
    [PipelineShapes]
    public async Task HttpDownloadProgress_ListenerThrows_HttpDataOfThatChunkStillRuns(PipelineShape shape)
    {
        var thrown = new ListenerException();
        using var sut = CallUnderTest.InMemory(MockTransport.Responding([1, 2, 3]), shape, listen: call => call.On(HttpEvents.HttpDownloadProgress, _ => throw thrown));

        var actual = await Assert.ThrowsAsync<ListenerException>(() => sut.SendAsync()).WithTimeout();

        Assert.Same(thrown, actual);
        Assert.Equal(["httpHeaders:200", "httpDownloadProgress", "httpData", "error", "complete:True"], sut.Recorder.Names);
    }

    [Theory]
    [PipelineShapes]
    public async Task Success_ListenerThrowsWhileBuffering_CompleteRunsThenGetAsyncThrowsSameObject(PipelineShape shape)
    {
        var thrown = new ListenerException();
        var otherSuccessRan = false;
        using var sut = CallUnderTest.InMemory(MockTransport.Responding([1, 2, 3]), shape,
            listen: call => call.On(HttpEvents.Success, _ => throw thrown).On(HttpEvents.Success, _ => otherSuccessRan = true));

        var actual = await Assert.ThrowsAsync<ListenerException>(() => sut.SendAsync()).WithTimeout();

        Assert.Same(thrown, actual);
        Assert.True(otherSuccessRan);
        Assert.Equal(["httpHeaders:200", "httpDownloadProgress", "httpData", "httpDone", "success", "complete:True"], sut.Recorder.Names);
        Assert.True(sut.Call.IsFinished);
        Assert.Null(sut.Call.Response.Error);
        Assert.True(sut.Call.Completion.IsCompletedSuccessfully);
    }

    [Theory]
    [PipelineShapes]
    public async Task Complete_ListenerThrowsAtLastByte_OtherCompleteRunsThenThatReadThrowsSameObject(PipelineShape shape)
    {
        var thrown = new ListenerException();
        var laterCompleteRan = false;
        using var sut = await CallUnderTest.LoopbackAsync("bytes/50000", shape,
            listen: call => call.On(HttpEvents.Complete, _ => throw thrown).On(HttpEvents.Complete, _ => laterCompleteRan = true));
        using var response = await sut.SendAsync(HttpCompletionOption.ResponseHeadersRead).WithTimeout();
        var stream = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[8192];
        long read = 0;

        var actual = await Assert.ThrowsAsync<ListenerException>(async () =>
        {
            int n;
            while ((n = await stream.ReadAsync(buffer)) > 0)
            {
                read += n;
            }
        }).WithTimeout();

        // The read that delivered the 50,000th byte ended the body (no further 0-byte read is needed) and throws.
        Assert.Same(thrown, actual);
        Assert.Equal(50000, sut.Call.Response.BytesReceived);
        Assert.True(read < 50000);
        Assert.True(laterCompleteRan);
        Assert.EndsWith("httpDone,success,complete:True", sut.Recorder.Compact(), StringComparison.Ordinal);
        Assert.True(sut.Call.Completion.IsCompletedSuccessfully);
    }

    [Theory]
    [PipelineShapes]
    public async Task Error_ListenerThrowsOnErrorStatus_CompleteRunsThenSendThrowsSameObject(PipelineShape shape)
    {
        var thrown = new ListenerException();
        using var sut = CallUnderTest.InMemory(MockTransport.Responding([1], HttpStatusCode.BadRequest), shape, listen: call => call.On(HttpEvents.Error, _ => throw thrown));

        var actual = await Assert.ThrowsAsync<ListenerException>(() => sut.SendAsync()).WithTimeout();

        Assert.Same(thrown, actual);
        Assert.EndsWith("error,complete:True", sut.Recorder.Compact(), StringComparison.Ordinal);
        Assert.IsType<HttpRequestException>(sut.Call.Response.Error);
    }

    [Theory]
    [PipelineShapes]
    public async Task Error_ListenerThrowsOnTransportFailure_SendThrowsListenerException(PipelineShape shape)
    {
        var thrown = new ListenerException();
        var completeRan = false;
        using var sut = CallUnderTest.InMemory(MockTransport.Throwing(new HttpRequestException("boom")), shape,
            listen: call => call.On(HttpEvents.Error, _ => throw thrown).On(HttpEvents.Complete, _ => completeRan = true));

        var actual = await Assert.ThrowsAsync<ListenerException>(() => sut.SendAsync()).WithTimeout();

        Assert.Same(thrown, actual);
        Assert.True(completeRan);
        Assert.IsType<HttpRequestException>(sut.Call.Response.Error);
    }

    [Theory]
    [PipelineShapes]
    public async Task Success_ListenerThrows_AwsSendAsyncThrowsSameObjectAfterComplete(PipelineShape shape)
    {
        var thrown = new ListenerException();
        var completeRan = false;
        using var sut = CallUnderTest.InMemory(MockTransport.Responding([1, 2, 3]), shape,
            listen: call => call.On(HttpEvents.Success, _ => throw thrown).On(HttpEvents.Complete, _ => completeRan = true), createCall: true);

        var actual = await Assert.ThrowsAsync<ListenerException>(() => sut.Call.SendAsync()).WithTimeout();

        Assert.Same(thrown, actual);
        Assert.True(completeRan);
        Assert.True(sut.Call.IsFinished);
    }

    [Theory]
    [PipelineShapes]
    public async Task HttpUploadProgress_ListenerThrows_SendThrowsSameObjectNotWrapped(PipelineShape shape)
    {
        var thrown = new ListenerException();
        using var sut = await CallUnderTest.LoopbackAsync("upload", shape, method: HttpMethod.Post, content: new ByteArrayContent(new byte[1024 * 1024]),
            listen: call => call.Once(HttpEvents.HttpUploadProgress, _ => throw thrown));
        var original = sut.Request.Content;

        var actual = await Assert.ThrowsAsync<ListenerException>(() => sut.SendAsync()).WithTimeout();

        Assert.Same(thrown, actual);
        Assert.Equal("httpUploadProgress*,error,complete:True", sut.Recorder.Compact());
        Assert.Empty(sut.Recorder.HttpErrors);
        Assert.Same(thrown, sut.Call.Response.Error);
        Assert.Same(original, sut.Request.Content);
    }

    [Theory]
    [PipelineShapes]
    public async Task HttpError_ListenerThrows_SendThrowsListenerException(PipelineShape shape)
    {
        var thrown = new ListenerException();
        using var sut = await CallUnderTest.LoopbackAsync(LoopbackServer.RefusedAddress().ToString(), shape,
            listen: call => call.On(HttpEvents.HttpError, _ => throw thrown));

        var actual = await Assert.ThrowsAsync<ListenerException>(() => sut.SendAsync()).WithTimeout();

        Assert.Same(thrown, actual);
        Assert.Equal("httpError,error,complete:True", sut.Recorder.Compact());
        Assert.Same(thrown, sut.Call.Response.Error);
    }

    [Theory]
    [PipelineShapes]
    public async Task IsolateListenerExceptions_EveryEventThrows_NothingThrownAndHandlerReceivesThem(PipelineShape shape)
    {
        var reported = new System.Collections.Concurrent.ConcurrentQueue<(EventKey Key, Exception Exception)>();
        var options = new EventingOptions
        {
            IsolateListenerExceptions = true,
            ListenerExceptionHandler = (_, key, ex) => reported.Enqueue((key, ex)),
        };
        using var sut = await CallUnderTest.LoopbackAsync("upload", shape, options: options, method: HttpMethod.Post, content: new ByteArrayContent(new byte[200_000]));
        sut.Call.On(HttpEvents.HttpUploadProgress, _ => throw new ListenerException("upload"))
            .On(HttpEvents.HttpHeaders, _ => throw new ListenerException("headers"))
            .On(HttpEvents.HttpDownloadProgress, _ => throw new ListenerException("download"))
            .On(HttpEvents.HttpData, _ => throw new ListenerException("data"))
            .On(HttpEvents.HttpDone, _ => throw new ListenerException("done"))
            .On(HttpEvents.Success, _ => throw new ListenerException("success"))
            .On(HttpEvents.Complete, _ => throw new ListenerException("complete"));

        using var response = await sut.SendAsync().WithTimeout();

        Assert.Equal("200000", await response.Content.ReadAsStringAsync());
        Assert.Null(sut.Call.Response.Error);
        Assert.True(sut.Call.Response.IsSuccess);
        Assert.Equal("httpUploadProgress*,httpHeaders:200,httpDownloadProgress*,httpData*,httpDone,success,complete:True", sut.Recorder.Compact());
        var keys = reported.Select(r => r.Key.Name).Distinct().Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(
            ["complete", "httpData", "httpDone", "httpDownloadProgress", "httpHeaders", "httpUploadProgress", "success"],
            keys);
        Assert.All(reported, r => Assert.Equal(r.Key.Name switch
        {
            "httpUploadProgress" => "upload",
            "httpHeaders" => "headers",
            "httpDownloadProgress" => "download",
            "httpData" => "data",
            "httpDone" => "done",
            var other => other,
        }, r.Exception.Message));
    }

    [Theory]
    [PipelineShapes]
    public async Task IsolateListenerExceptions_HandlerThrows_CallStillSucceeds(PipelineShape shape)
    {
        var options = new EventingOptions
        {
            IsolateListenerExceptions = true,
            ListenerExceptionHandler = (_, _, _) => throw new InvalidOperationException("bad reporter"),
        };
        using var sut = CallUnderTest.InMemory(MockTransport.Responding([1, 2]), shape, options: options,
            listen: call => call.On(HttpEvents.HttpData, _ => throw new ListenerException()));

        using var response = await sut.SendAsync().WithTimeout();

        Assert.True(sut.Call.Response.IsSuccess);
        Assert.Equal(new byte[] { 1, 2 }, await response.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [PipelineShapes]
    public async Task HttpData_ListenerThrowsIOExceptionWhileBuffering_HttpClientWrapsItWithListenersObjectInside(PipelineShape shape)
    {
        // A known limit, documented in docs/events.md: HttpContent.LoadIntoBufferAsync (the BCL, outside the handler) wraps
        // IOException and ObjectDisposedException from the copy in an HttpRequestException. Streamed reads are not wrapped.
        var thrown = new IOException("listener");
        using var sut = CallUnderTest.InMemory(InlineHandler.Generating(100_000, declareLength: true), shape,
            listen: call => call.On(HttpEvents.HttpData, _ => throw thrown));

        var actual = await Assert.ThrowsAsync<HttpRequestException>(() => sut.SendAsync()).WithTimeout();

        Assert.Same(thrown, actual.InnerException);
        Assert.Same(thrown, sut.Call.Response.Error);
    }

    [Theory]
    [PipelineShapes]
    public async Task HttpData_ListenerThrowsIOExceptionWhileStreaming_ReadThrowsListenersObject(PipelineShape shape)
    {
        var thrown = new IOException("listener");
        using var sut = CallUnderTest.InMemory(InlineHandler.Generating(100_000, declareLength: true), shape,
            listen: call => call.On(HttpEvents.HttpData, _ => throw thrown));
        using var response = await sut.SendAsync(HttpCompletionOption.ResponseHeadersRead).WithTimeout();
        await using var stream = await response.Content.ReadAsStreamAsync();

        var actual = await Assert.ThrowsAsync<IOException>(() => stream.CopyToAsync(Stream.Null)).WithTimeout();

        Assert.Same(thrown, actual);
    }

    [Theory]
    [PipelineShapes]
    public async Task HttpDone_ListenerThrows_ErrorAndReadAtEndThrowsSameObject(PipelineShape shape)
    {
        var thrown = new ListenerException();
        using var sut = CallUnderTest.InMemory(InlineHandler.Generating(10_000, declareLength: true), shape,
            listen: call => call.On(HttpEvents.HttpDone, _ => throw thrown));
        using var response = await sut.SendAsync(HttpCompletionOption.ResponseHeadersRead).WithTimeout();
        await using var stream = await response.Content.ReadAsStreamAsync();

        var actual = await Assert.ThrowsAsync<ListenerException>(() => stream.CopyToAsync(Stream.Null)).WithTimeout();

        Assert.Same(thrown, actual);
        Assert.EndsWith("httpDone,error,complete:True", sut.Recorder.Compact(), StringComparison.Ordinal);
        Assert.Same(thrown, sut.Call.Response.Error);
    }

    [Theory]
    [PipelineShapes]
    public async Task Complete_ListenerThrowsWhenUnreadBodyDisposed_DisposeThrowsSameObject(PipelineShape shape)
    {
        var thrown = new ListenerException();
        using var sut = CallUnderTest.InMemory(InlineHandler.Generating(10_000, declareLength: true), shape,
            listen: call => call.On(HttpEvents.Complete, _ => throw thrown));
        var response = await sut.SendAsync(HttpCompletionOption.ResponseHeadersRead).WithTimeout();

        var actual = Assert.Throws<ListenerException>(response.Dispose);

        Assert.Same(thrown, actual);
        Assert.IsType<HttpCallAbandonedException>(sut.Call.Response.Error);
        Assert.True(sut.Call.IsFinished);
    }
}
